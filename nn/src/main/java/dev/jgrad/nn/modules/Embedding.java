package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.DType;
import dev.jgrad.core.tensor.Tensor;
import dev.jgrad.nn.functional.F;
import java.util.Random;

/**
 * A lookup table of learned vectors, one row per id, as {@code nn.Embedding}.
 * <pre>
 *   parameters  weight [num, dim]
 *   shapes      ids int32 [...] with 0 ≤ id &lt; num  →  y [..., dim],  y[p] = weight[ids[p]]
 *   init        weight ~ N(0, 1) truncated to [−3, 3] (CS336's choice)
 * </pre>
 */
public final class Embedding extends Module {
    private final int numEmbeddings;
    private final int embeddingDim;

    public Embedding(int numEmbeddings, int embeddingDim, Random rnd) {
        this(numEmbeddings, embeddingDim, DType.FLOAT32, rnd);
    }

    public Embedding(int numEmbeddings, int embeddingDim, DType dtype, Random rnd) {
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException(
                    "Embedding: sizes must be positive, got num " + numEmbeddings + ", dim " + embeddingDim);
        }
        Linear.checkFloating("Embedding", dtype);
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        registerParameter("weight", Init.truncNormal(dtype, rnd, 0, 1, -3, 3, numEmbeddings, embeddingDim));
    }

    /** {@code weight[ids]}: int32 ids of any shape → ids.shape + [dim]. */
    public Tensor forward(Tensor ids) {
        return F.embedding(ids, weight());
    }

    /** The table [num, dim]. */
    public Tensor weight() {
        return parameter("weight");
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int embeddingDim() {
        return embeddingDim;
    }
}
