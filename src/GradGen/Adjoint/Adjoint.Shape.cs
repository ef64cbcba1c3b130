using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernels of shape operations.
public static partial class Adjoint
{
    /// <summary>For Y = Xᵀ with X [M, N]: into (X̄, [M, N]) += dYᵀ, dY being [N, M] (= with <paramref name="overwrite"/>, a gradient's first contribution).</summary>
    public static void Transpose<T>(Tensor<T> dY, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Transpose";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        if (dY.Rank != 2 || into.Rank != 2 || dY.Lengths[0] != into.Lengths[1] || dY.Lengths[1] != into.Lengths[0])
        {
            throw new ArgumentException(
                $"{Kernel}: dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} are inconsistent; expected dY [N, M] and into [M, N].");
        }
        Span<T> target = Dense.Target(Kernel, into);
        if (overwrite) MatrixKernels.Transpose(Dense.Read(dY), target, (int)dY.Lengths[0], (int)dY.Lengths[1]);
        else MatrixKernels.TransposeAccumulate(Dense.Read(dY), target, (int)dY.Lengths[0], (int)dY.Lengths[1]);
    }
}
