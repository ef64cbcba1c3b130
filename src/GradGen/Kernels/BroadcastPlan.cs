using System;

namespace GradGen;

/// <summary>
/// How to walk a broadcast element-wise computation row by row. Operand 0 has the full (result) shape; the
/// others are dense row-major tensors whose shapes broadcast to it. Dimensions of length 1 are dropped and
/// adjacent dimensions that are contiguous for every operand are merged, so the innermost "row" is as long as
/// possible and each operand is either contiguous along it (<see cref="InnerStride"/> 1) or constant (0).
/// </summary>
/// <remarks>
/// For example <c>[64, 128] + [128]</c> becomes 64 rows of 128 where the second operand restarts at offset 0 on
/// every row, and <c>[2, 3, 4] + [3, 4]</c> becomes 2 rows of 12.
/// </remarks>
internal sealed class BroadcastPlan
{
    private readonly int[] _outerLengths;   // outermost first
    private readonly int[][] _outerStrides; // [operand][outer dimension], 0 where the operand is stretched
    private readonly int[] _innerStrides;   // [operand]: 1 (contiguous) or 0 (stretched)

    /// <summary>The number of elements in one row (the merged innermost dimensions).</summary>
    public int RowLength { get; }

    /// <summary>The number of rows (0 when the result is empty).</summary>
    public int RowCount { get; }

    /// <summary>The number of operands, the full-shaped operand 0 included.</summary>
    public int OperandCount => _innerStrides.Length;

    private BroadcastPlan(int rowLength, int rowCount, int[] outerLengths, int[][] outerStrides, int[] innerStrides)
    {
        RowLength = rowLength;
        RowCount = rowCount;
        _outerLengths = outerLengths;
        _outerStrides = outerStrides;
        _innerStrides = innerStrides;
    }

    /// <summary>1 when operand <paramref name="operand"/> is contiguous along a row, 0 when it is constant along it.</summary>
    public int InnerStride(int operand) => _innerStrides[operand];

    /// <summary>Writes the flat offset at which row <paramref name="row"/> starts, for every operand.</summary>
    public void RowOffsets(int row, Span<int> offsets)
    {
        offsets.Clear();
        for (int d = _outerLengths.Length - 1; d >= 0 && row != 0; d--)
        {
            int length = _outerLengths[d];
            int index = row % length;
            row /= length;
            if (index == 0) continue;
            for (int k = 0; k < offsets.Length; k++) offsets[k] += index * _outerStrides[k][d];
        }
    }

    /// <summary>A plan for a full shape and one operand broadcast to it.</summary>
    public static BroadcastPlan Create(ReadOnlySpan<nint> full, ReadOnlySpan<nint> operand1)
        => Create(full, new[] { full.ToArray(), operand1.ToArray() });

    /// <summary>A plan for a full shape and two operands broadcast to it.</summary>
    public static BroadcastPlan Create(ReadOnlySpan<nint> full, ReadOnlySpan<nint> operand1, ReadOnlySpan<nint> operand2)
        => Create(full, new[] { full.ToArray(), operand1.ToArray(), operand2.ToArray() });

    private static BroadcastPlan Create(ReadOnlySpan<nint> full, nint[][] shapes)
    {
        int rank = full.Length;
        int operands = shapes.Length;

        // Per dimension of the full shape: its length and, per operand, its broadcast stride.
        var lengths = new int[rank];
        var strides = new int[operands][];
        for (int k = 0; k < operands; k++) strides[k] = new int[rank];
        long total = 1;
        for (int d = 0; d < rank; d++)
        {
            lengths[d] = checked((int)full[d]);
            total *= lengths[d];
        }
        for (int k = 0; k < operands; k++)
        {
            nint[] shape = shapes[k];
            int pad = rank - shape.Length;
            int stride = 1;
            for (int d = rank - 1; d >= pad; d--)
            {
                int length = checked((int)shape[d - pad]);
                strides[k][d] = length == 1 ? 0 : stride;
                stride *= length;
            }
        }

        if (total == 0) return new BroadcastPlan(0, 0, Array.Empty<int>(), EmptyStrides(operands), new int[operands]);

        // Keep dimensions longer than 1, merging each into the next-inner kept one when that is contiguous for every operand.
        var keptLengths = new int[rank];
        var keptStrides = new int[operands][];
        for (int k = 0; k < operands; k++) keptStrides[k] = new int[rank];
        int kept = 0; // kept dimensions are stored innermost first
        for (int d = rank - 1; d >= 0; d--)
        {
            if (lengths[d] == 1) continue;
            if (kept > 0 && Contiguous(strides, d, keptStrides, kept - 1, keptLengths[kept - 1]))
            {
                keptLengths[kept - 1] *= lengths[d];
                continue;
            }
            keptLengths[kept] = lengths[d];
            for (int k = 0; k < operands; k++) keptStrides[k][kept] = strides[k][d];
            kept++;
        }

        if (kept == 0) // every dimension has length 1: a single element
        {
            return new BroadcastPlan(1, 1, Array.Empty<int>(), EmptyStrides(operands), new int[operands]);
        }

        var inner = new int[operands];
        for (int k = 0; k < operands; k++) inner[k] = keptStrides[k][0];
        int outerRank = kept - 1;
        var outerLengths = new int[outerRank];
        var outerStrides = new int[operands][];
        for (int k = 0; k < operands; k++) outerStrides[k] = new int[outerRank];
        int rows = 1;
        for (int j = 0; j < outerRank; j++)
        {
            int source = kept - 1 - j; // outermost first
            outerLengths[j] = keptLengths[source];
            rows *= keptLengths[source];
            for (int k = 0; k < operands; k++) outerStrides[k][j] = keptStrides[k][source];
        }
        return new BroadcastPlan(keptLengths[0], rows, outerLengths, outerStrides, inner);
    }

    private static bool Contiguous(int[][] strides, int d, int[][] keptStrides, int inner, int innerLength)
    {
        for (int k = 0; k < strides.Length; k++)
        {
            if (strides[k][d] != keptStrides[k][inner] * innerLength) return false;
        }
        return true;
    }

    private static int[][] EmptyStrides(int operands)
    {
        var strides = new int[operands][];
        for (int k = 0; k < operands; k++) strides[k] = Array.Empty<int>();
        return strides;
    }
}
