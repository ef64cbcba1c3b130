using System;

namespace GradGen;

/// <summary>Shape rules of (batched) MatMul, numpy/PyTorch <c>matmul</c> style, for operands of rank ≥ 2.</summary>
internal static class MatMulShapes
{
    /// <summary>
    /// The shape of A·B: A [.., M, K] and B [.., K, N] give [batch.., M, N], where batch is the numpy broadcast of the
    /// operands' leading dimensions.
    /// </summary>
    /// <exception cref="ArgumentException">An operand has rank &lt; 2, the inner dimensions differ, or the batch dimensions do not broadcast.</exception>
    public static nint[] Result(string op, ReadOnlySpan<nint> a, ReadOnlySpan<nint> b)
    {
        if (a.Length < 2 || b.Length < 2)
        {
            throw new ArgumentException($"{op}: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: both operands must have rank 2 or more.");
        }
        if (a[^1] != b[^2])
        {
            throw new ArgumentException(
                $"{op}: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: inner dimensions {(long)a[^1]} and {(long)b[^2]} differ.");
        }
        nint[] batch;
        try
        {
            batch = TensorShape.Broadcast(op, a[..^2], b[..^2]);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException(
                $"{op}: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: batch dimensions {TensorShape.Format(a[..^2])} and {TensorShape.Format(b[..^2])} do not broadcast.");
        }
        var result = Workspace.NewArray<nint>(batch.Length + 2);
        batch.CopyTo(result, 0);
        result[^2] = a[^2];
        result[^1] = b[^1];
        return result;
    }

    /// <summary>True when <paramref name="y"/> is exactly the shape of A·B (see <see cref="Result"/>); allocates nothing.</summary>
    public static bool IsResult(ReadOnlySpan<nint> a, ReadOnlySpan<nint> b, ReadOnlySpan<nint> y)
    {
        if (a.Length < 2 || b.Length < 2 || a[^1] != b[^2]) return false;
        int rank = Math.Max(a.Length, b.Length);
        if (y.Length != rank || y[^2] != a[^2] || y[^1] != b[^1]) return false;
        for (int d = 0; d < rank - 2; d++)
        {
            int da = d - (rank - a.Length), db = d - (rank - b.Length);
            nint la = da < 0 ? 1 : a[da], lb = db < 0 ? 1 : b[db];
            nint expected = la == 1 ? lb : la;
            if ((la != 1 && lb != 1 && la != lb) || y[d] != expected) return false;
        }
        return true;
    }
}
