package dev.jgrad.examples.cli;

import dev.jgrad.examples.train.UserError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jgrad} command: train, eval, generate, tokenize, lesson. */
@Command(
        name = "jgrad",
        mixinStandardHelpOptions = true,
        version = "jgrad 0.1.0",
        description = "Train, evaluate and sample tiny Transformer language models with jgrad.",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            GenerateCommand.class,
            TokenizeCommand.class,
            LessonCommand.class
        })
public final class Jgrad implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        // one line per log record (the GEMM backend notice), not java.util.logging's two-line default
        System.setProperty("java.util.logging.SimpleFormatter.format", "%5$s%n");
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code: 0 ok, 2 user error, 1 internal error. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Jgrad());
        cli.setOverwrittenOptionsAllowed(true); // a later --flag wins, so a command line can be amended
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("jgrad: " + e.getMessage() + " (try: "
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (isUserError(e)) {
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": error: " + message(e));
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    static boolean isUserError(Throwable e) {
        return e instanceof UserError
                || e instanceof IllegalArgumentException
                || e instanceof IOException
                || e instanceof UncheckedIOException;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + m;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + m;
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
