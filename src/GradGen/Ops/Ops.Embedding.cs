using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Embedding lookup by integer ids.
public static partial class Ops
{
    /// <summary>
    /// Gathers rows of <paramref name="table"/> by id: y[…, :] = table[ids[…], :]. With ids shaped [B, T] (the token ids
    /// of a batch, flattened row-major) and table [V, C] the result is [B, T, C]. A new dense tensor.
    /// For positions 0 … T − 1 of a position table use <see cref="Slice{T}"/>(wpe, 0, 0, T).
    /// </summary>
    /// <param name="table">The embedding table [V, C].</param>
    /// <param name="ids">The ids, row-major, each in [0, V).</param>
    /// <param name="idsShape">The shape of the ids (e.g. B, T); none means [ids.Length].</param>
    /// <returns>[…idsShape, C].</returns>
    /// <exception cref="ArgumentException">table is not 2-D, idsShape does not describe ids.Length elements, or an id is out of range.</exception>
    public static Tensor<T> Embedding<T>(Tensor<T> table, int[] ids, params int[] idsShape) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(idsShape);
        int c = ValidateEmbedding(nameof(Embedding), table.Lengths, ids);
        if (idsShape.Length == 0) idsShape = new[] { ids.Length };
        long count = 1;
        foreach (int d in idsShape) count = d < 0 ? -1 : count * d;
        if (count != ids.Length)
        {
            throw new ArgumentException(
                $"Embedding: ids shape [{string.Join(", ", idsShape)}] does not describe the {ids.Length} ids given.", nameof(idsShape));
        }
        Span<nint> shape = stackalloc nint[idsShape.Length + 1];
        for (int d = 0; d < idsShape.Length; d++) shape[d] = idsShape[d];
        shape[^1] = c;
        var result = Dense.Result<T>(shape);
        Span<T> output = Dense.Span(result);
        Gather(Dense.Read(table), ids, c, output);
        return result;
    }

    /// <summary>
    /// <paramref name="into"/> = <see cref="Embedding{T}(Tensor{T}, int[], int[])"/>(table, ids), allocation-free:
    /// <paramref name="into"/> is [..., C] with one row per id (its leading dimensions give the ids' shape). Returns it.
    /// </summary>
    /// <param name="table">The embedding table [V, C].</param>
    /// <param name="ids">The ids, row-major, each in [0, V).</param>
    /// <param name="into">The dense result buffer [..., C], ids.Length rows.</param>
    /// <exception cref="ArgumentException">table is not 2-D, into does not hold one row of C per id, or an id is out of range.</exception>
    public static Tensor<T> Embedding<T>(Tensor<T> table, int[] ids, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(into);
        int c = ValidateEmbedding(nameof(Embedding), table.Lengths, ids);
        if (into.Rank < 1 || into.Lengths[into.Rank - 1] != c || into.FlattenedLength != (long)ids.Length * c)
        {
            throw new ArgumentException(
                $"Embedding: into {TensorShape.Format(into)} must be [..., {c}] with one row per id ({ids.Length} ids) for table {TensorShape.Format(table)}.", nameof(into));
        }
        Gather(Dense.Read(table), ids, c, Dense.Target(nameof(Embedding), into));
        return into;
    }

    private static void Gather<T>(ReadOnlySpan<T> rows, int[] ids, int c, Span<T> result)
    {
        for (int i = 0; i < ids.Length; i++) rows.Slice(ids[i] * c, c).CopyTo(result.Slice(i * c, c));
    }

    /// <summary>Checks that the table is [V, C] and every id is in [0, V); returns C.</summary>
    internal static int ValidateEmbedding(string op, ReadOnlySpan<nint> table, int[] ids)
    {
        if (table.Length != 2)
        {
            throw new ArgumentException($"{op}: table must be 2-D [V, C], got {TensorShape.Format(table)}.", nameof(table));
        }
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (ulong)table[0])
            {
                throw new ArgumentException(
                    $"{op}: id {ids[i]} at position {i} is out of range [0, {(long)table[0]}) for table {TensorShape.Format(table)}.", nameof(ids));
            }
        }
        return checked((int)table[1]);
    }
}
