using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Element-wise activations of transformers.
public static partial class Ops
{
    /// <summary>√(2/π), the scale inside GELU's tanh approximation.</summary>
    internal const double GeluScale = 0.79788456080286535588;

    /// <summary>The cubic coefficient of GELU's tanh approximation.</summary>
    internal const double GeluCubic = 0.044715;

    /// <summary>
    /// GELU in the tanh approximation GPT-2 uses (as llm.c's <c>gelu_forward</c>):
    /// y = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))), element-wise; the shape of x.
    /// </summary>
    /// <param name="x">The input, any shape.</param>
    public static Tensor<T> Gelu<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, GeluSpan);

    /// <summary>
    /// <paramref name="into"/> = <see cref="Gelu{T}(Tensor{T})"/>(x), allocation-free; <paramref name="into"/> has x's shape and
    /// may be x. Returns it.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="into">The dense result buffer.</param>
    public static Tensor<T> Gelu<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Gelu), x, into, GeluSpan);

    /// <summary>d = gelu(s) in one pass (<see cref="GeluKernel"/>); <paramref name="d"/> may be <paramref name="s"/>.</summary>
    private static void GeluSpan<T>(ReadOnlySpan<T> s, Span<T> d) where T : IFloatingPointIeee754<T> => GeluKernel.Forward(s, d);

    /// <summary>
    /// GELU(x + bias), with <paramref name="bias"/> a row [N] added to every row of x [.., N]: the same numbers as
    /// <c>Ops.Gelu(Ops.Add(x, bias))</c>, bit for bit, in one pass over x (the sum is rounded once, as the addition
    /// stores it, and never stored). Generated code calls it where planning fuses a bias and the GELU of it — after a
    /// product, <c>Gelu(MatMul(a, b) + bias)</c> becomes <c>BiasGelu(MatMul(a, b), bias)</c>, the product taped for the
    /// backward (<see cref="Adjoint.BiasGelu{T}"/>). A bias that is not such a row is added as <see cref="Add{T}(Tensor{T}, Tensor{T})"/> adds it.
    /// </summary>
    public static Tensor<T> BiasGelu<T>(Tensor<T> x, Tensor<T> bias) where T : IFloatingPointIeee754<T>
        => IsRowOfLast(bias, x) ? BiasGeluRows(x, bias) : Gelu(Add(x, bias));

    /// <summary><see cref="BiasGelu{T}"/> where the user wrote System.Numerics.Tensors' <c>+</c> for the bias (see <see cref="OperatorAdd{T}"/>).</summary>
    public static Tensor<T> OperatorBiasGelu<T>(Tensor<T> x, Tensor<T> bias) where T : IFloatingPointIeee754<T>
        => IsRowOfLast(bias, x) ? BiasGeluRows(x, bias) : Gelu(OperatorAdd(x, bias));

    /// <summary>The bias is a row [N] of x [.., N]: what <see cref="BiasGelu{T}"/> and its adjoint fuse.</summary>
    internal static bool IsRowOfLast<T>(Tensor<T> bias, Tensor<T> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(bias);
        return bias.Rank == 1 && x.Rank >= 1 && bias.Lengths[0] == x.Lengths[^1] && bias.Lengths[0] > 0;
    }

    private static Tensor<T> BiasGeluRows<T>(Tensor<T> x, Tensor<T> bias) where T : IFloatingPointIeee754<T>
    {
        var result = Dense.Result<T>(x.Lengths);
        GeluKernel.BiasForward(Dense.Read(x), Dense.Read(bias), Dense.Span(result));
        return result;
    }
}
