package dev.jgrad.core.testing;

import dev.jgrad.core.ops.Op;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test method that checks the backward of an op, normally against finite differences with
 * {@code GradCheck.check}. {@code dev.jgrad.core.EveryOpHasAGradientPropertyTest} scans the compiled
 * test classes and fails for each permitted subclass of {@link Op} that no test method names.
 *
 * <pre>
 *   &#64;Test
 *   &#64;GradientProperty(Exp.class)
 *   &#64;GradientProperty(Log.class)
 *   void unaryBackwardMatchesFiniteDifferences() { … }
 * </pre>
 *
 * Repeatable, so one method may cover an op family passed in as a parameter.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(GradientProperty.List.class)
public @interface GradientProperty {
    /** The op record whose backward the annotated method checks. */
    Class<? extends Op> value();

    /**
     * How the backward is checked. Leave the default; {@link Check#KNOWN_VALUES} is only for an op whose
     * gradient finite differences cannot measure, and the coverage test lists those ops by name.
     */
    Check by() default Check.FINITE_DIFFERENCES;

    /** The kinds of gradient check. */
    enum Check {
        /** {@code GradCheck.check}: backward against central differences in float64. */
        FINITE_DIFFERENCES,
        /** Backward compared with a gradient derived by hand, for ops that finite differences cannot test. */
        KNOWN_VALUES
    }

    /** Container for repeated {@link GradientProperty} annotations; not written by hand. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        GradientProperty[] value();
    }
}
