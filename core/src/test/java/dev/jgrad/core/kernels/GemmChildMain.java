package dev.jgrad.core.kernels;

import java.util.Random;

/**
 * Run in a child JVM by {@link GemmChildJvmTest}: prints the backend {@link Gemm} chose, whether
 * {@link FloatMath}'s Vector API loops run, and a checksum of a few products, one {@code key=value} per line on standard output.
 */
public final class GemmChildMain {

    private GemmChildMain() {}

    public static void main(String[] args) {
        long checksum = checksum(
                (transA, transB, m, n, k, a, b, c) -> Gemm.sgemm(transA, transB, m, n, k, a, 0, b, 0, c, 0, true));
        System.out.println("backend=" + Gemm.backend());
        System.out.println("floatMath=" + (FloatMath.vector() == null ? "plain" : "vector"));
        System.out.println("checksum=" + Long.toHexString(checksum));
    }

    /** One product, C += op(A)·op(B), from offset 0. */
    interface Product {
        void run(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c);
    }

    /** A hash of the bits of C over every transpose combination of a few odd shapes. */
    static long checksum(Product product) {
        Random rnd = new Random(42);
        long h = 17;
        int[][] shapes = {{37, 53, 29}, {130, 70, 300}, {1, 40, 7}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (int flags = 0; flags < 4; flags++) {
                float[] a = random(rnd, m * k);
                float[] b = random(rnd, k * n);
                float[] c = random(rnd, m * n);
                product.run((flags & 1) != 0, (flags & 2) != 0, m, n, k, a, b, c);
                for (float x : c) {
                    h = 31 * h + Float.floatToRawIntBits(x);
                }
            }
        }
        return h;
    }

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = 2 * rnd.nextFloat() - 1;
        }
        return x;
    }
}
