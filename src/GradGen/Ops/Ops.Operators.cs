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
    /// <exception cref="ArgumentException">Shapes whose result System.Numerics.Tensors' operator shapes otherwise than broadcasting does (see the remarks).</exception>
    /// <remarks>
    /// System.Numerics.Tensors 10.0's operators give the result the shape of the operand of higher rank, or of the right
    /// operand when the ranks are equal — silently, whatever broadcasting says: <c>[2, 3] + [2, 1]</c> returns a
    /// <c>[2, 1]</c> tensor, <c>[3, 1] - [3]</c> a <c>[3, 1]</c> one (each row minus the first element), <c>[B, 1, H] + [B, H]</c>
    /// a <c>[B, 1, H]</c> one (measured over every pair of shapes up to rank 4). Where that shape is the numpy broadcast
    /// (<c>[2, 3] + [3]</c>, <c>[1, 3] + [2, 3]</c>, equal shapes) the values are right. The generated forward must equal the
    /// user's forward, so on exactly the other shapes it throws and names the way out (<c>Ops.Add</c>, which broadcasts like
    /// numpy, or a reshape); on all shapes where it returns, both agree.
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
        // System.Numerics.Tensors' operator gives the shape of the operand of higher rank, of the right one when the ranks
        // are equal (measured over every pair of shapes up to rank 4 with lengths 1–3, OperatorTests), and wherever that is
        // the numpy broadcast its values are right. So both agree exactly when both operands broadcast to that shape.
        var operatorShape = left.Length > right.Length ? left : right;
        if (TensorShape.BroadcastsTo(left, operatorShape) && TensorShape.BroadcastsTo(right, operatorShape)) return;
        if (!Broadcastable(left, right)) return; // both throw: Ops.Add says which shapes do not broadcast
        throw new ArgumentException(
            "Operator " + symbol + ": System.Numerics.Tensors computes " + Shape(left) + " " + symbol + " " + Shape(right) + " as a " + Shape(operatorShape) +
            " tensor (it takes the shape of the operand of higher rank, or of the right one at equal ranks), not the broadcast " +
            Shape(TensorShape.Broadcast(symbol, left, right)) + ", so this forward would not match yours; write Ops." + method +
            "(a, b), which broadcasts like numpy, or reshape an operand so that the shapes agree (e.g. Ops.Reshape(y, n, 1) for [n, 1] " + symbol + " [n]).", nameof(b));
    }

    /// <summary>True when numpy broadcasting accepts the two shapes (allocates nothing).</summary>
    private static bool Broadcastable(ReadOnlySpan<nint> a, ReadOnlySpan<nint> b)
    {
        for (int k = 1; k <= Math.Min(a.Length, b.Length); k++)
        {
            nint la = a[^k], lb = b[^k];
            if (la != lb && la != 1 && lb != 1) return false;
        }
        return true;
    }

    private static string Shape(ReadOnlySpan<nint> lengths) => "[" + string.Join(", ", lengths.ToArray()) + "]";
}
