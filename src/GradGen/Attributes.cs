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
    /// <summary>
    /// Whether the generated backward is planned (true, the default): gradients written by their first contribution instead
    /// of zero-filled and added to, and dead gradient buffers reused (docs/architecture.md, "Planning"). False emits the
    /// backward exactly as the rules state it — the reference the planned form is tested against; the gradients are the same.
    /// </summary>
    public bool Plan { get; set; } = true;
}

/// <summary>
/// Excludes a parameter of a <see cref="DifferentiableAttribute"/> method from the gradient: the generated
/// backward method neither computes nor returns a gradient for it (use it for data, targets and constants).
/// On a field or property of a weight object it marks a constant rather than a learned leaf (a mask, a hyper-parameter,
/// a bookkeeping value): a <see cref="DifferentiableAttribute"/> method reads it as a constant, and
/// <see cref="Parameters"/> neither lists it among the leaves nor zeroes it in a gradient (it is copied as it is).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NoGradientAttribute : Attribute
{
}

/// <summary>
/// Registers the method it marks as the backward (pullback) of another static method of the same type — a function
/// GradGen cannot or should not see into: numerically stabler, faster, or a library call — in the manner of Swift's
/// <c>@derivative(of:)</c> and JAX's <c>custom_vjp</c>. A <see cref="DifferentiableAttribute"/> method that calls the
/// function then differentiates through this pullback.
/// </summary>
/// <remarks>
/// The pullback of <c>T F(p₁, …, pₙ)</c> is <c>static void FPullback(p₁, …, pₙ, T y, T dY, gradients…)</c>: the
/// function's parameters, its result <c>y</c>, the upstream gradient ∂L/∂y, then one gradient buffer per differentiable
/// parameter (<c>float</c>/<c>double</c>/tensor, not <see cref="NoGradientAttribute"/>) in order — <c>ref</c> for a scalar,
/// the tensor itself for a tensor — into which it must <b>add</b> ∂L/∂pᵢ. The analyzer checks this signature (GG0011).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class DerivativeOfAttribute : Attribute
{
    /// <summary>Registers the marked method as the pullback of <paramref name="function"/> (use <c>nameof</c>).</summary>
    public DerivativeOfAttribute(string function) => Function = function;

    /// <summary>The name of the function this is the derivative of: a static method of the same type.</summary>
    public string Function { get; }
}

/// <summary>
/// Declares the shape of a tensor parameter or of a tensor member of a weight object, so that the analyzer checks, while
/// you type, that the shapes of a <see cref="DifferentiableAttribute"/> method can agree (matrix products, broadcasting,
/// reshapes, slices, LayerNorm's weight) — the first rule of gradients, a gradient has the shape of its variable, checked
/// before the program runs.
/// </summary>
/// <remarks>
/// <para>The text lists the dimensions, comma-separated: a literal length (<c>784</c>), a symbol (<c>B</c>, <c>C</c>), a
/// literal times a symbol (<c>4*C</c>), or <c>?</c> for a length that varies. <c>[Shape("B, 784")] Tensor&lt;float&gt; x</c>.</para>
/// <para>A symbol stands for one length throughout a <see cref="DifferentiableAttribute"/> method: the <c>C</c> of a weight
/// type's <c>[Shape("C, 3*C")]</c> member is the <c>C</c> of the parameter <c>[Shape("B, T, C")] x</c>, and an <c>int</c>
/// parameter named <c>C</c> is that length too (<c>Ops.Reshape(x, B, T, C)</c>). Only certain contradictions are reported
/// (GG0012): two different symbols may be equal, and a bare symbol may be 1.</para>
/// <para>On a <see cref="DifferentiableAttribute"/> method's result (<c>[return: Shape("B, T, C")]</c>) it declares what the
/// method returns: a caller's shapes flow through the call (the callee's symbols matched against the arguments), and the
/// method's own result is checked against it.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.ReturnValue)]
public sealed class ShapeAttribute : Attribute
{
    /// <summary>Declares the shape, e.g. <c>"B, T, C"</c> or <c>"C, 4*C"</c>.</summary>
    public ShapeAttribute(string dimensions) => Dimensions = dimensions;

    /// <summary>The dimensions as written.</summary>
    public string Dimensions { get; }
}
