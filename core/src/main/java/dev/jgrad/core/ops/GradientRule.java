package dev.jgrad.core.ops;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An op's backward rule, readable at run time: the {@code backward} line(s) of the op's own Javadoc
 * {@code <pre>} block, word for word, so that explain traces can print the math the op states.
 *
 * <pre>
 *   Javadoc     *   backward  ∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a
 *   annotation  &#64;GradientRule(value = "∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a", broadcast = Broadcast.ELEMENTWISE)
 * </pre>
 *
 * One string per line of the rule, without the word {@code backward} and without the indentation of
 * continuation lines; HTML entities in the Javadoc ({@code &lt;}, {@code &gt;}, {@code &amp;}) are
 * written as the characters they stand for. A test reads every op's source and fails if the two
 * differ or if a permitted {@link Op} has no rule, so the Javadoc stays the one place to edit.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface GradientRule {
    /** The rule, one string per Javadoc line. */
    String[] value();

    /** How the op broadcasts its inputs, so that a trace can name the axes its backward summed. */
    Broadcast broadcast() default Broadcast.NONE;

    /** Which of an input's axes the forward pass broadcast, and so the backward must sum. */
    enum Broadcast {
        /** No broadcasting (or none worth naming: contractions and reductions are part of the rule). */
        NONE,
        /**
         * The inputs broadcast together to the output's shape by NumPy's rules (add, mul, where,
         * expand): an output axis is summed for an input that lacks it or has size 1 there.
         */
        ELEMENTWISE,
        /**
         * Only the batch dims (all but the last two) broadcast, as in matmul: the summed axes are the
         * batch axes an input lacks or has as size 1.
         */
        BATCH
    }
}
