package dev.jgrad.examples.cli;

import dev.jgrad.examples.lessons.GradCheckTour;
import dev.jgrad.examples.lessons.GraphPictures;
import dev.jgrad.examples.lessons.MlpMoons;
import dev.jgrad.examples.lessons.ScalarNeuron;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "lesson",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a teaching example: scalar-neuron, mlp-moons, gradcheck-tour or graph-pictures.",
            "  scalar-neuron   one tanh neuron, every node's value and gradient in topological order",
            "  mlp-moons       an MLP learns two moons; writes a PNG of its decision boundary",
            "  gradcheck-tour  every op's backward against finite differences, as a table",
            "  graph-pictures  Graphviz pictures of a tiny MLP and a Transformer block, with gradient norms",
        })
final class LessonCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "NAME",
            description = "scalar-neuron, mlp-moons, gradcheck-tour or graph-pictures")
    String name;

    @Parameters(
            index = "1..*",
            paramLabel = "ARGS",
            description = "Arguments for the lesson (mlp-moons: PNG path; graph-pictures: directory).")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        String[] a = args.toArray(new String[0]);
        switch (name) {
            case "scalar-neuron":
                ScalarNeuron.main(a);
                return 0;
            case "mlp-moons":
                MlpMoons.main(a);
                return 0;
            case "gradcheck-tour":
                GradCheckTour.main(a);
                return 0;
            case "graph-pictures":
                GraphPictures.main(a);
                return 0;
            default:
                throw new IllegalArgumentException("unknown lesson \"" + name
                        + "\"; choose scalar-neuron, mlp-moons, gradcheck-tour or graph-pictures");
        }
    }
}
