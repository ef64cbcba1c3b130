using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Backward kernel of Ops.Embedding.
public static partial class Adjoint
{
    /// <summary>
    /// For y = <see cref="Ops.Embedding{T}(Tensor{T}, int[], int[])"/>(table, ids, …): into (tablē, [V, C]) row ids[i] += dY row i, for every i — a
    /// scatter-add, so an id that occurs several times accumulates every occurrence's gradient.
    /// </summary>
    /// <param name="dY">∂L/∂y, [...ids shape, C].</param>
    /// <param name="ids">The forward op's ids.</param>
    /// <param name="into">tablē [V, C], dense; accumulated into.</param>
    public static void Embedding<T>(Tensor<T> dY, int[] ids, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Embedding";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(into);
        int c = Ops.ValidateEmbedding(Kernel, into.Lengths, ids);
        if (dY.Rank < 1 || dY.Lengths[dY.Rank - 1] != c || dY.FlattenedLength != (long)ids.Length * c)
        {
            throw new ArgumentException(
                $"{Kernel}: dY {TensorShape.Format(dY)} must be [..., {c}] with one row per id ({ids.Length} ids) for table {TensorShape.Format(into)}.", nameof(dY));
        }
        ReadOnlySpan<T> g = Dense.Read(dY);
        Span<T> target = Dense.Target(Kernel, into);
        for (int i = 0; i < ids.Length; i++)
        {
            Span<T> row = target.Slice(ids[i] * c, c);
            TensorPrimitives.Add(row, g.Slice(i * c, c), row);
        }
    }
}
