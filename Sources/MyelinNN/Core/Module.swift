/// The base class of every layer and model.
///
/// Subclass it, declare parameters with `@Parameter` and sub-modules as stored properties (single
/// modules or arrays of them), and override `forward(_:)`. Parameters and sub-modules are found by
/// reflection under their property names, so the state dict uses PyTorch's names
/// (`encoder.layers.0.weight`).
open class Module {
    /// Training mode (dropout active, batch statistics) versus evaluation mode.
    public private(set) var isTraining = true
    /// Frozen for fine-tuning (`freeze()`): its parameters take no gradient, and its batch norms
    /// keep their running statistics and normalise by them even in training.
    public private(set) var isFrozen = false

    public init() {}

    /// Computes the module's output. Subclasses override this.
    open func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("\(type(of: self)) does not override forward(_:)")
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

    /// Direct sub-modules with their names: stored properties of a Module type, and arrays of
    /// modules as `name.0`, `name.1`, …
    open var namedChildren: [(String, Module)] {
        var children: [(String, Module)] = []
        for child in Mirror(reflecting: self).allChildren {
            guard let label = child.label else { continue }
            if let module = child.value as? Module {
                children.append((label, module))
            } else if let modules = child.value as? [Module] {
                children += modules.enumerated().map { ("\(label).\($0.offset)", $0.element) }
            }
        }
        return children
    }

    /// This module and all its descendants, depth first, named by path ("" for this one), as
    /// PyTorch's `named_modules()`: `model.namedModules.first { $0.1 is Conv2d }` finds the first convolution.
    public var namedModules: [(String, Module)] {
        [("", self)]
            + namedChildren.flatMap { name, child in
                child.namedModules.map { ($0.0.isEmpty ? name : "\(name).\($0.0)", $0.1) }
            }
    }

    /// This module's own parameters (not its children's), with their names; an optional one that
    /// is nil (`Linear(…, bias: false).bias`) is not listed.
    open var ownParameters: [(String, Tensor)] {
        Mirror(reflecting: self).allChildren.compactMap { child in
            guard let label = child.label, let tensor = (child.value as? AnyParameter)?.tensor else { return nil }
            return (label.droppingWrapperPrefix, tensor)
        }
    }

    /// This module's own buffers (running statistics), with their names; nil ones are not listed.
    open var ownBuffers: [(String, Tensor)] {
        Mirror(reflecting: self).allChildren.compactMap { child in
            guard let label = child.label, let tensor = (child.value as? AnyBuffer)?.tensor else { return nil }
            return (label.droppingWrapperPrefix, tensor)
        }
    }

    /// Every parameter of this module and its descendants, named by path, in declaration order.
    /// A parameter shared by several sub-modules (tied weights) is listed once, under its first
    /// name, as PyTorch's `named_parameters()` does, so an optimizer updates it once.
    public var namedParameters: [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        let all =
            ownParameters
            + namedChildren.flatMap { name, child in
                child.namedParameters.map { ("\(name).\($0.0)", $0.1) }
            }
        return all.filter { seen.insert(ObjectIdentifier($0.1)).inserted }
    }

    /// Every trainable parameter (what an optimizer updates).
    public var parameters: [Tensor] { namedParameters.map(\.1) }

    /// Parameters and buffers by name: what a checkpoint holds. Like PyTorch's `state_dict()`, a
    /// tensor shared by several sub-modules appears under each of its names.
    public var stateDict: [(String, Tensor)] {
        ownParameters + ownBuffers
            + namedChildren.flatMap { name, child in
                child.stateDict.map { ("\(name).\($0.0)", $0.1) }
            }
    }

    /// Copies values into the parameters and buffers by name. Every name must be present with the
    /// right shape; nothing is changed unless all are.
    public func loadStateDict(_ values: [String: Tensor]) throws {
        try checkStateDict(values)
        for (name, tensor) in stateDict { tensor.assign(values[name]!) }
    }

    /// Throws what `loadStateDict` would: a `StateDictError` for a missing, misshapen or unexpected name.
    public func checkStateDict(_ values: [String: Tensor]) throws {
        try StateDictError.check(values, fit: stateDict, receiver: "\(type(of: self))")
    }

    /// Switches this module and its descendants to training mode.
    public func train() { setTraining(true) }

    /// Switches this module and its descendants to evaluation mode.
    public func eval() { setTraining(false) }

    /// Runs `body` for inference: in evaluation mode (dropout off, batch norm on its running
    /// statistics) and recording nothing, like PyTorch's `model.eval()` with `torch.no_grad()`.
    /// The module is put back in the mode it was in.
    public func evaluating<R>(_ body: () throws -> R) rethrows -> R {
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        return try withoutGrad(body)
    }

    private func setTraining(_ training: Bool) {
        isTraining = training
        for (_, child) in namedChildren { child.setTraining(training) }
    }

    /// Freezes this module and its descendants for fine-tuning, as PyTorch users do with
    /// `requires_grad_(False)` and `eval()` on batch norm: its parameters stop requiring gradients
    /// (an optimizer skips them; give it `trainableParameters`), and batch norm keeps its running
    /// statistics and normalises by them, so the frozen part computes exactly what it did.
    public func freeze() { setFrozen(true) }

    /// Undoes `freeze()`: the parameters require gradients again, batch norm learns its statistics.
    public func unfreeze() { setFrozen(false) }

    private func setFrozen(_ frozen: Bool) {
        isFrozen = frozen
        for (_, parameter) in ownParameters { parameter.requiresGrad = !frozen }
        for (_, child) in namedChildren { child.setFrozen(frozen) }
    }

    /// The parameters that are not frozen: what an optimizer of a partly frozen model updates.
    public var trainableParameters: [Tensor] { parameters.filter(\.requiresGrad) }

    /// Clears the gradients of every parameter.
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

extension Mirror {
    /// Children of this type and its superclasses, superclass properties first.
    var allChildren: [Mirror.Child] {
        (superclassMirror?.allChildren ?? []) + Array(children)
    }
}

extension String {
    /// Property wrappers store `_name`; the user wrote `name`.
    var droppingWrapperPrefix: String { hasPrefix("_") ? String(dropFirst()) : self }
}
