using System;

namespace GradGen;

/// <summary>
/// Marks a forward method for differentiation. The GradGen source generator emits a companion method
/// <c>&lt;Name&gt;Backward</c> that computes the gradient of the method's result with respect to its
/// differentiable parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class DifferentiableAttribute : Attribute
{
}

/// <summary>
/// Excludes a parameter of a <see cref="DifferentiableAttribute"/> method from the gradient: the generated
/// backward method neither computes nor returns a gradient for it (use it for data, targets and constants).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class NoGradientAttribute : Attribute
{
}
