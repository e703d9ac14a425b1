package dev.jgrad.nn.modules;

import dev.jgrad.core.autograd.GradCheck;
import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Gradient checks of a module with respect to its input and its parameters.
 *
 * <p>{@link GradCheck} copies its inputs into fresh leaves and perturbs those copies, so a function that read
 * the module's own parameters would never see the perturbation. Instead the function is made a pure function
 * of the weights: the parameter copies GradCheck hands in are swapped into the module with
 * {@link Module#functionalCall} (as {@code torch.func.functional_call}) for the duration of each forward pass.
 * The module must be built in float64.
 */
final class ModuleGradCheck {
    private ModuleGradCheck() {}

    /** Checks the input {@code x} (when it is a float tensor) and every parameter of {@code module}. */
    static GradCheck.Report check(String name, Module module, Tensor x, Function<Tensor, Tensor> forward, long seed) {
        return check(name, module, new ArrayList<>(module.namedParameters().keySet()), x, forward, seed);
    }

    /** Checks the input {@code x} (when it is a float tensor) and the parameters named in {@code names}. */
    static GradCheck.Report check(
            String name, Module module, List<String> names, Tensor x, Function<Tensor, Tensor> forward, long seed) {
        Map<String, Tensor> params = module.namedParameters();
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(Tensor.of(x.value()).requiresGrad(x.dtype().isFloating()));
        for (String n : names) {
            inputs.add(Tensor.of(params.get(n).value()).requiresGrad(true));
        }
        assertDependsOnSomeParameter(name, module, names, x, forward);
        return GradCheck.check(
                name,
                xs -> {
                    Map<String, Tensor> replacements = new LinkedHashMap<>();
                    for (int i = 0; i < names.size(); i++) {
                        replacements.put(names.get(i), xs.get(i + 1));
                    }
                    return module.functionalCall(replacements, () -> forward.apply(xs.get(0)));
                },
                inputs,
                seed);
    }

    /**
     * Guards against a vacuous check: if the replacements never reached the forward pass, backward and finite
     * differences would both be zero and agree. At least one checked parameter, shifted by 0.5, must move the
     * output. (Not every one must: with one token, attention's softmax weight is 1 whatever q and k are.)
     */
    private static void assertDependsOnSomeParameter(
            String name, Module module, List<String> names, Tensor x, Function<Tensor, Tensor> forward) {
        if (names.isEmpty()) {
            return;
        }
        double[] base = forward.apply(x).toDoubleArray();
        for (String n : names) {
            Tensor shifted = module.namedParameters().get(n).detach().add(0.5);
            double[] moved = module.functionalCall(Map.of(n, shifted), () -> forward.apply(x))
                    .toDoubleArray();
            if (!Arrays.equals(base, moved)) {
                return;
            }
        }
        throw new AssertionError(name + ": the output depends on none of the parameters " + names);
    }
}
