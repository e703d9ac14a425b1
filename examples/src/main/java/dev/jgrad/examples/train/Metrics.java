package dev.jgrad.examples.train;

import dev.jgrad.examples.plot.LinePlot;
import dev.jgrad.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The learning curves of a run: kept in memory, saved as metrics.csv with each checkpoint. */
final class Metrics {
    record Row(int step, double trainLoss, double trainBpb, Double valBpb, double lr) {}

    private static final String HEADER = "step,train_loss,train_bpb,val_bpb,lr";

    private final Path path;
    private final List<Row> rows = new ArrayList<>();

    Metrics(Path path) throws IOException {
        this.path = path;
        List<String> lines = Trainer.readLines(path);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != 5) {
                throw new UserError(path + " line " + (i + 1) + ": expected 5 fields, found " + f.length);
            }
            try {
                rows.add(new Row(
                        Integer.parseInt(f[0]),
                        Double.parseDouble(f[1]),
                        Double.parseDouble(f[2]),
                        f[3].isEmpty() ? null : Double.valueOf(f[3]),
                        Double.parseDouble(f[4])));
            } catch (NumberFormatException e) {
                throw new UserError(path + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
    }

    /** Forgets rows after {@code step} (they came after the checkpoint being resumed). */
    void truncateAfter(int step) {
        rows.removeIf(r -> r.step() > step);
    }

    void add(int step, double trainLoss, double trainBpb, Double valBpb, double lr) {
        rows.add(new Row(step, trainLoss, trainBpb, valBpb, lr));
    }

    List<Row> rows() {
        return rows;
    }

    /** Writes the train and validation bits-per-byte curves, with the entropy floor when known. */
    void plot(Path png, Double floorBpb) throws IOException {
        double[] trainX = new double[rows.size()];
        double[] trainY = new double[rows.size()];
        List<double[]> val = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            trainX[i] = r.step();
            trainY[i] = r.trainBpb();
            if (r.valBpb() != null) {
                val.add(new double[] {r.step(), r.valBpb()});
            }
        }
        LinePlot plot = new LinePlot("bits per byte", "step", "bits per byte")
                .series("train", trainX, trainY)
                .series(
                        "validation",
                        val.stream().mapToDouble(v -> v[0]).toArray(),
                        val.stream().mapToDouble(v -> v[1]).toArray());
        if (floorBpb != null) {
            plot.referenceLine(floorBpb, String.format(Locale.ROOT, "entropy floor %.3f", floorBpb));
        }
        // show the interesting part: from 0 up to a little above the later losses, not the first steps' 8 bits
        double top = 0;
        for (int i = rows.size() / 10; i < rows.size(); i++) {
            top = Math.max(top, rows.get(i).trainBpb());
        }
        for (double[] v : val) {
            top = Math.max(top, v[1]);
        }
        if (floorBpb != null) {
            top = Math.max(top, floorBpb);
        }
        if (top > 0 && Double.isFinite(top)) {
            plot.yRange(0, 1.25 * top);
        }
        plot.write(png);
    }

    void save() throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%d,%s,%s,%s,%s%n",
                    r.step(),
                    r.trainLoss(),
                    r.trainBpb(),
                    r.valBpb() == null ? "" : r.valBpb().toString(),
                    r.lr()));
        }
        AtomicFiles.write(path, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
