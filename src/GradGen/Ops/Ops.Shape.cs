using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Shape operations.
public static partial class Ops
{
    /// <summary>The transpose of a 2-D tensor [M, N]: a new dense [N, M] tensor (not a view).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not 2-D.</exception>
    public static Tensor<T> Transpose<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        TensorShape.RequireMatrix(nameof(Transpose), nameof(x), x.Lengths);
        int m = checked((int)x.Lengths[0]), n = checked((int)x.Lengths[1]);
        var result = Dense.Result<T>(stackalloc nint[] { n, m });
        MatrixKernels.Transpose(Dense.Read(x), Dense.Span(result), m, n);
        return result;
    }

    /// <summary><paramref name="into"/> [N, M] = xᵀ for a 2-D x [M, N], written into a caller-owned dense tensor. Returns it.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not 2-D or <paramref name="into"/> is not [N, M].</exception>
    public static Tensor<T> Transpose<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireMatrix(nameof(Transpose), nameof(x), x.Lengths);
        int m = checked((int)x.Lengths[0]), n = checked((int)x.Lengths[1]);
        if (into.Rank != 2 || into.Lengths[0] != n || into.Lengths[1] != m)
        {
            throw new ArgumentException($"Transpose: into {TensorShape.Format(into)} must be [{n}, {m}], the transpose of x {TensorShape.Format(x)}.", nameof(into));
        }
        MatrixKernels.Transpose(Dense.Read(x), Dense.Target(nameof(Transpose), into), m, n);
        return into;
    }
}
