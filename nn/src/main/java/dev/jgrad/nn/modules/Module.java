package dev.jgrad.nn.modules;

import dev.jgrad.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A piece of a model that owns parameters and sub-modules, as {@code torch.nn.Module}. Names are
 * hierarchical and dotted exactly as in a PyTorch state dict: a parameter {@code weight} of the
 * sub-module registered as {@code q_proj} inside {@code attn} is {@code attn.q_proj.weight}.
 *
 * <p>Each subclass has its own {@code forward} with the arguments it needs; the base class only keeps
 * the bookkeeping: registration, traversal in registration order, train/eval mode and state dicts.
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a parameter (a leaf that requires grad) under {@code name}; returns it. */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        if (!value.isLeaf()) {
            throw new IllegalArgumentException(
                    "registerParameter: \"" + name + "\" must be a leaf tensor, got the output of "
                            + value.op().name());
        }
        value.requiresGrad(true);
        params.put(name, value);
        return value;
    }

    /**
     * This module's own parameter {@code name} as forward should use it: the registered tensor, or its
     * stand-in while {@link #functionalCall} runs. Subclasses read their weights through this (not through a
     * field) so that a functional call reaches them.
     */
    protected Tensor parameter(String name) {
        Tensor t = params.get(name);
        if (t == null) {
            throw new IllegalArgumentException("module: " + getClass().getSimpleName() + " has no parameter \"" + name
                    + "\" (it has " + params.keySet() + ")");
        }
        return t;
    }

    /**
     * Runs {@code body} with the parameters named in {@code replacements} (dotted names, as in
     * {@link #namedParameters()}) replaced by the given tensors, then puts the originals back even if
     * {@code body} throws, as {@code torch.func.functional_call}. The model's output then becomes a function of
     * those tensors: gradients flow to them, not to the parameters. A replacement must have the parameter's
     * shape; it need not be a leaf. Not thread-safe: other threads using this module meanwhile see the
     * replacements.
     *
     * <p>This is how gradient checks reach a module's weights: {@code GradCheck} hands its function fresh copies
     * of its inputs, and the function runs the module on them through this call.
     */
    public <T> T functionalCall(Map<String, Tensor> replacements, Supplier<T> body) {
        Map<String, Tensor> own = namedParameters();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : replacements.entrySet()) {
            Tensor p = own.get(e.getKey());
            if (p == null) {
                unknown.add(e.getKey());
            } else if (!p.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException("functionalCall: \"" + e.getKey() + "\" is " + p.shape()
                        + " in the model, the replacement is " + e.getValue().shape());
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "functionalCall: no parameters named " + unknown + "; the model has " + own.keySet());
        }
        List<Runnable> restore = new ArrayList<>();
        try {
            for (Map.Entry<String, Tensor> e : replacements.entrySet()) {
                String name = e.getKey();
                Module owner = this;
                int dot;
                while ((dot = name.indexOf('.')) >= 0) {
                    owner = owner.children.get(name.substring(0, dot));
                    name = name.substring(dot + 1);
                }
                Map<String, Tensor> ownerParams = owner.params;
                String local = name;
                Tensor original = ownerParams.put(local, e.getValue());
                restore.add(() -> ownerParams.put(local, original));
            }
            return body.get();
        } finally {
            for (int i = restore.size() - 1; i >= 0; i--) {
                restore.get(i).run();
            }
        }
    }

    /** Registers a sub-module under {@code name}; returns it. */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module: bad name \"" + name + "\" (empty or containing '.')");
        }
        if (params.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("module: \"" + name + "\" is already registered");
        }
    }

    /** Every parameter, this module's first, then each sub-module's, in registration order. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Parameters by dotted name, in the order {@code named_parameters()} gives in PyTorch. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out) {
        params.forEach((name, t) -> out.put(prefix + name, t));
        children.forEach((name, child) -> child.collect(prefix + name + ".", out));
    }

    /** Direct sub-modules by name. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Total number of parameter elements. */
    public long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** Switches this module and all sub-modules to training mode; returns this. */
    public Module train() {
        setTraining(true);
        return this;
    }

    /** Switches this module and all sub-modules to evaluation mode; returns this. */
    public Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean on) {
        training = on;
        children.values().forEach(c -> c.setTraining(on));
    }

    public boolean isTraining() {
        return training;
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    /** Parameters by name, detached (they share storage with the live parameters). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> out.put(name, p.detach()));
        return out;
    }

    /**
     * Copies values from {@code state} into the parameters of the same name (converting dtype if
     * needed). In strict mode, any missing key, unexpected key or shape mismatch fails the whole load
     * before anything is copied, with one message listing them all; otherwise matching entries are
     * copied and mismatched shapes still fail.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = namedParameters();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given == null) {
                missing.add(e.getKey());
            } else if (!given.shape().equals(e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + given.shape() + ", model "
                        + e.getValue().shape());
            } else if (!given.dtype().isFloating()) {
                mismatched.add(e.getKey() + ": checkpoint dtype " + given.dtype() + " is not floating");
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (!mismatched.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder sb = new StringBuilder("loadStateDict: the state dict does not match the model");
            if (!missing.isEmpty()) {
                sb.append("\n  missing keys: ").append(String.join(", ", missing));
            }
            if (!unexpected.isEmpty()) {
                sb.append("\n  unexpected keys: ").append(String.join(", ", unexpected));
            }
            if (!mismatched.isEmpty()) {
                sb.append("\n  shape mismatches: ").append(String.join("; ", mismatched));
            }
            throw new IllegalArgumentException(sb.toString());
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given != null) {
                e.getValue().assign(given.value().cast(e.getValue().dtype()));
            }
        }
    }
}
