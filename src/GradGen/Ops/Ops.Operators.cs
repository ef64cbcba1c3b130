using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// What the generated forward sweep calls for the `+ - * /` operators a user writes between two tensors.
public static partial class Ops
{
    /// <summary>
    /// <c>a + b</c> as the generated code computes a user's <c>+</c> between tensors: <see cref="Add{T}(Tensor{T}, Tensor{T})"/>
    /// (numpy broadcasting), refusing the shapes System.Numerics.Tensors' own operator gets wrong.
    /// </summary>
    /// <exception cref="ArgumentException">The right operand has a length-1 axis where the left one is longer (see <see cref="OperatorAdd{T}"/>'s remarks).</exception>
    /// <remarks>
    /// System.Numerics.Tensors 10.0's operators broadcast a length-1 axis of the right operand wrongly when both operands
    /// have the same rank: <c>[2, 3] + [2, 1]</c> returns a <c>[2, 1]</c> tensor, <c>[2, 3] + [1, 3]</c> a <c>[1, 3]</c> one,
    /// silently (measured; operands of different ranks, <c>[2, 3] + [3]</c>, and a stretched left operand are right). The generated forward must equal the
    /// user's forward, so on exactly those shapes it throws and names the way out (<c>Ops.Add</c>, which broadcasts like
    /// numpy, or swapping the operands); on all other shapes both agree.
    /// </remarks>
    public static Tensor<T> OperatorAdd<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        CheckOperator(a, b, "+", nameof(Add));
        return Add(a, b);
    }

    /// <summary><c>a - b</c> as the generated code computes a user's <c>-</c> between tensors (see <see cref="OperatorAdd{T}"/>).</summary>
    /// <exception cref="ArgumentException">Shapes the operator of System.Numerics.Tensors broadcasts wrongly.</exception>
    public static Tensor<T> OperatorSubtract<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        CheckOperator(a, b, "-", nameof(Subtract));
        return Subtract(a, b);
    }

    /// <summary><c>a * b</c> (Hadamard) as the generated code computes a user's <c>*</c> between tensors (see <see cref="OperatorAdd{T}"/>).</summary>
    /// <exception cref="ArgumentException">Shapes the operator of System.Numerics.Tensors broadcasts wrongly.</exception>
    public static Tensor<T> OperatorMultiply<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        CheckOperator(a, b, "*", nameof(Multiply));
        return Multiply(a, b);
    }

    /// <summary><c>a / b</c> as the generated code computes a user's <c>/</c> between tensors (see <see cref="OperatorAdd{T}"/>).</summary>
    /// <exception cref="ArgumentException">Shapes the operator of System.Numerics.Tensors broadcasts wrongly.</exception>
    public static Tensor<T> OperatorDivide<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        CheckOperator(a, b, "/", nameof(Divide));
        return Divide(a, b);
    }

    private static void CheckOperator<T>(Tensor<T> a, Tensor<T> b, string symbol, string method)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var left = a.Lengths;
        var right = b.Lengths;
        if (left.Length != right.Length) return; // operands of different ranks broadcast correctly (measured)
        for (var k = 0; k < left.Length; k++)
        {
            if (right[k] == 1 && left[k] > 1)
            {
                throw new ArgumentException(
                    "Operator " + symbol + ": System.Numerics.Tensors broadcasts " + Shape(left) + " " + symbol + " " + Shape(right) +
                    " wrongly (a length-1 axis of the right operand shrinks the result instead of stretching), so this forward would not match yours; " +
                    "write Ops." + method + "(a, b), which broadcasts like numpy, or put the operand with the length-1 axis on the left.", nameof(b));
            }
        }
    }

    private static string Shape(ReadOnlySpan<nint> lengths) => "[" + string.Join(", ", lengths.ToArray()) + "]";
}
