using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Ops.SplitHeads / Ops.MergeHeads and their adjoints: bit for bit the chains of existing ops they replace (a copy rounds
/// nothing), in float and double, on the one-pass layouts and on the shapes where the chain is computed as written;
/// gradients against central finite differences.
/// </summary>
public class HeadsTests(ITestOutputHelper output)
{
    /// <summary>x shape, axis, start, length, reshape target: the last axis split into heads, and shapes the chain reinterprets.</summary>
    public static TheoryData<int[], int, int, int, int[]> Splits => new()
    {
        { [2, 3, 12], 2, 4, 6, [2, 3, 2, 3] },           // odd head size: scalar runs
        { [2, 5, 48], -1, 16, 32, [2, 5, 2, 16] },       // vector runs
        { [2, 5, 48], 2, 0, 48, [2, 5, 4, 12] },          // vector + tail, the whole axis
        { [3, 40], 1, 8, 24, [3, 2, 12] },               // rank 2: no batch axes
        { [2, 2, 3, 8], 3, 0, 8, [2, 2, 3, -1, 4] },     // rank 4, an inferred length
        { [2, 3, 4], 2, 0, 4, [3, 2, 2, 2] },            // the reshape reinterprets the rows: the chain as written
        { [2, 6, 4], 1, 2, 3, [2, 3, 2, 2] },            // a slice along another axis: the chain as written
    };

    /// <summary>x shape, axes, reshape target: heads joined, and shapes the chain reinterprets.</summary>
    public static TheoryData<int[], int, int, int[]> Merges => new()
    {
        { [2, 2, 3, 3], 1, 2, [2, 3, 6] },
        { [2, 4, 5, 12], 2, 1, [2, 5, -1] },
        { [3, 4, 8], 0, 1, [4, 24] },                    // rank 3: no batch axes
        { [2, 2, 3, 3], 1, 2, [3, 2, 6] },              // reinterpreted: the chain as written
        { [2, 2, 3, 3], 0, 1, [2, 3, 6] },              // other axes: the chain as written
    };

    private static Tensor<float> ToFloat(Tensor<double> t) => Tensor.Create(Flat(t).Select(v => (float)v).ToArray(), t.Lengths);

    private static Tensor<T> Zeros<T>(ReadOnlySpan<nint> lengths)
    {
        long count = 1;
        foreach (var length in lengths) count *= length;
        return Tensor.Create(new T[count], lengths);
    }

    private static Tensor<T> CopyOf<T>(Tensor<T> t) => Tensor.Create(t.ToArray(), t.Lengths);

    private static int R(int[] shape) => shape.Length;

    [Theory]
    [MemberData(nameof(Splits))]
    public void SplitHeads_is_the_chain_bit_for_bit_forward_and_backward(int[] shape, int axis, int start, int length, int[] heads)
    {
        var rng = new Random(15);
        var x = Random(rng, shape);
        Check(x, axis, start, length, heads, rng);
        Check(ToFloat(x), axis, start, length, heads, rng);

        var y = Ops.SplitHeads(x, axis, start, length, heads);
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.SplitHeads(t, axis, start, length, heads), x, dY, into => Adjoint.SplitHeads(dY, axis, start, into));
        output.WriteLine($"SplitHeads {string.Join('x', shape)} -> {string.Join('x', Shape(y))}: max error {error:E2}");
    }

    private static void Check<T>(Tensor<T> x, int axis, int start, int length, int[] heads, Random rng) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var chain = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(x, axis, start, length), heads), R(heads) - 3, R(heads) - 2);
        var fused = Ops.SplitHeads(x, axis, start, length, heads);
        Assert.Equal(chain.Lengths.ToArray(), fused.Lengths.ToArray());
        Assert.Equal(chain.ToArray(), fused.ToArray());

        // Backward: the chain's adjoints (transpose back, reshape, slice added) against the one kernel, adding and writing.
        var dY = Cast<T>(Random(rng, Shape(fused)));
        var start0 = Cast<T>(Random(rng, Shape(x)));
        var expected = CopyOf(start0);
        var transposed = Zeros<T>(Ops.Reshape(Ops.Slice(x, axis, start, length), heads).Lengths);
        Adjoint.TransposeAxes(dY, R(heads) - 3, R(heads) - 2, transposed);
        var sliced = Zeros<T>(Ops.Slice(x, axis, start, length).Lengths);
        Adjoint.Reshape(transposed, sliced);
        Adjoint.Slice(sliced, axis, start, expected);
        var actual = CopyOf(start0);
        Adjoint.SplitHeads(dY, axis, start, actual);
        Assert.Equal(expected.ToArray(), actual.ToArray());

        // The first write: the slice's range written, the rest of the buffer 0 (= zero fill, then add).
        var zeroFilled = Zeros<T>(x.Lengths);
        Adjoint.Slice(sliced, axis, start, zeroFilled);
        var written = CopyOf(start0);
        Adjoint.SplitHeads(dY, axis, start, written, overwrite: true);
        Assert.Equal(zeroFilled.ToArray(), written.ToArray());

        // The tiled write: only the slice's range written, the rest as it was; with clearAfter the indices after it 0.
        int a = axis < 0 ? axis + x.Rank : axis, extent = (int)x.Lengths[a];
        double[] inRange = Mask(Shape(x), a, start, length), after = Mask(Shape(x), a, start + length, extent - start - length);
        T[] before = start0.ToArray(), filled = zeroFilled.ToArray();
        foreach (var clearAfter in new[] { false, true })
        {
            var tiled = CopyOf(start0);
            Adjoint.SplitHeads(dY, axis, start, tiled, overwrite: true, onlySlice: true, clearAfter: clearAfter);
            var expectedTiled = before.Select((v, i) => inRange[i] == 1 ? filled[i] : clearAfter && after[i] == 1 ? T.Zero : v).ToArray();
            Assert.Equal(expectedTiled, tiled.ToArray());
        }
    }

    /// <summary>1 where the index along <paramref name="axis"/> is in [start, start + length), else 0.</summary>
    private static double[] Mask(int[] shape, int axis, int start, int length)
    {
        var mask = Filled(shape, 0);
        var part = (int[])shape.Clone();
        part[axis] = length;
        Adjoint.Slice(Filled(part, 1), axis, start, mask);
        return Flat(mask);
    }

    private static Tensor<T> Cast<T>(Tensor<double> t) where T : System.Numerics.IFloatingPointIeee754<T> =>
        Tensor.Create(Flat(t).Select(T.CreateTruncating).ToArray(), t.Lengths);

    [Theory]
    [MemberData(nameof(Merges))]
    public void MergeHeads_is_the_chain_bit_for_bit_forward_and_backward(int[] shape, int axis0, int axis1, int[] joined)
    {
        var rng = new Random(16);
        var x = Random(rng, shape);
        CheckMerge(x, axis0, axis1, joined, rng);
        CheckMerge(ToFloat(x), axis0, axis1, joined, rng);

        var y = Ops.MergeHeads(x, axis0, axis1, joined);
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.MergeHeads(t, axis0, axis1, joined), x, dY, into => Adjoint.MergeHeads(dY, axis0, axis1, into));
        output.WriteLine($"MergeHeads {string.Join('x', shape)} -> {string.Join('x', Shape(y))}: max error {error:E2}");
    }

    private static void CheckMerge<T>(Tensor<T> x, int axis0, int axis1, int[] joined, Random rng) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var chain = Ops.Reshape(Ops.TransposeAxes(x, axis0, axis1), joined);
        var fused = Ops.MergeHeads(x, axis0, axis1, joined);
        Assert.Equal(chain.Lengths.ToArray(), fused.Lengths.ToArray());
        Assert.Equal(chain.ToArray(), fused.ToArray());

        var dY = Cast<T>(Random(rng, Shape(fused)));
        var start0 = Cast<T>(Random(rng, Shape(x)));
        var transposed = Zeros<T>(Ops.TransposeAxes(x, axis0, axis1).Lengths);
        Adjoint.Reshape(dY, transposed);
        foreach (var overwrite in new[] { false, true })
        {
            var expected = CopyOf(start0);
            Adjoint.TransposeAxes(transposed, axis0, axis1, expected, overwrite);
            var actual = CopyOf(start0);
            Adjoint.MergeHeads(dY, axis0, axis1, actual, overwrite);
            Assert.Equal(expected.ToArray(), actual.ToArray());
        }
    }

    /// <summary>Every vector width the heads' pass comes in (0: element by element), float and double.</summary>
    public static TheoryData<int, bool> Widths()
    {
        var data = new TheoryData<int, bool>();
        foreach (int width in new[] { 0, 128, 256, 512 })
        {
            data.Add(width, false);
            data.Add(width, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_heads_pass_moves_every_element_at_every_vector_width(int width, bool inDouble)
    {
        var w = (VectorWidth)width;
        output.WriteLine(SimdWidth.Describe());
        output.WriteLine($"Heads: forced {(w == VectorWidth.None ? "element by element" : $"{width}-bit ({(SimdWidth.IsAccelerated(w) ? "hardware" : "software")})")}, {(inDouble ? "double" : "float")}");
        if (inDouble) WidthCheck<double>(w);
        else WidthCheck<float>(w);
    }

    /// <summary>
    /// Heads.Gather and Heads.Scatter at one forced width against index-by-index references: copied and added (into + dY
    /// in T, one rounding, so equal bit for bit), scattered with each clear flag. Head sizes below one vector, one vector
    /// and a partial one past whole vectors at every width (3, 8, 19 floats / doubles).
    /// </summary>
    private static void WidthCheck<T>(VectorWidth w) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(18);
        foreach (int hs in new[] { 3, 8, 19 })
        {
            const int outer = 2, t = 3, nh = 3, start = 2;
            int width = start + (nh * hs) + 5;
            T[] rows = Enumerable.Range(0, outer * t * width).Select(_ => T.CreateTruncating(rng.NextDouble() * 2 - 1)).ToArray();
            T[] heads = Enumerable.Range(0, outer * nh * t * hs).Select(_ => T.CreateTruncating(rng.NextDouble() * 2 - 1)).ToArray();
            T[] before = Enumerable.Range(0, rows.Length).Select(_ => T.CreateTruncating(rng.NextDouble() * 2 - 1)).ToArray();
            int RowIndex(int o, int h, int i, int j) => ((o * t + i) * width) + start + (h * hs) + j;
            int HeadIndex(int o, int h, int i, int j) => (((o * nh + h) * t) + i) * hs + j;

            foreach (var accumulate in new[] { false, true })
            {
                var gathered = (T[])heads.Clone();
                Heads.Gather<T>(rows, gathered, outer, t, width, start, nh, hs, accumulate, w);
                var expected = (T[])heads.Clone();
                for (int o = 0; o < outer; o++)
                    for (int h = 0; h < nh; h++)
                        for (int i = 0; i < t; i++)
                            for (int j = 0; j < hs; j++)
                            {
                                int k = HeadIndex(o, h, i, j);
                                expected[k] = accumulate ? expected[k] + rows[RowIndex(o, h, i, j)] : rows[RowIndex(o, h, i, j)];
                            }
                Assert.Equal(expected, gathered);

                foreach (var (clearBefore, clearAfter) in new[] { (false, false), (true, false), (false, true), (true, true) })
                {
                    var scattered = (T[])before.Clone();
                    Heads.Scatter<T>(heads, scattered, outer, t, width, start, nh, hs, accumulate, clearBefore, clearAfter, w);
                    var want = (T[])before.Clone();
                    for (int r = 0; r < outer * t; r++)
                        for (int c = 0; c < width; c++)
                        {
                            if ((clearBefore && c < start) || (clearAfter && c >= start + nh * hs)) want[(r * width) + c] = T.Zero;
                        }
                    for (int o = 0; o < outer; o++)
                        for (int h = 0; h < nh; h++)
                            for (int i = 0; i < t; i++)
                                for (int j = 0; j < hs; j++)
                                {
                                    int k = RowIndex(o, h, i, j);
                                    want[k] = accumulate ? want[k] + heads[HeadIndex(o, h, i, j)] : heads[HeadIndex(o, h, i, j)];
                                }
                    Assert.Equal(want, scattered);
                }
            }
        }
    }

    [Fact]
    public void Bad_shapes_are_refused_with_the_op_and_the_shapes()
    {
        var rng = new Random(17);
        var x = Random(rng, [2, 3, 12]);
        Assert.Contains("SplitHeads: the range [8, 14) along axis 2 is outside [2, 3, 12]", Assert.Throws<ArgumentException>(() => Ops.SplitHeads(x, 2, 8, 6, [2, 3, 2, 3])).Message);
        Assert.Contains("SplitHeads: cannot reshape [2, 3, 6] (36 elements) to [2, 3, 2, 2]", Assert.Throws<ArgumentException>(() => Ops.SplitHeads(x, 2, 0, 6, [2, 3, 2, 2])).Message);
        Assert.Contains("SplitHeads: the shape [6, 6] has rank 2", Assert.Throws<ArgumentException>(() => Ops.SplitHeads(x, 2, 0, 6, [6, 6])).Message);
        Assert.Contains("SplitHeads: axis 3 is out of range", Assert.Throws<ArgumentException>(() => Ops.SplitHeads(x, 3, 0, 6, [2, 3, 2, 3])).Message);
        Assert.Contains("MergeHeads: cannot reshape [2, 2, 3, 3] (36 elements) to [2, 3, 5]", Assert.Throws<ArgumentException>(() => Ops.MergeHeads(Random(rng, [2, 2, 3, 3]), 1, 2, [2, 3, 5])).Message);
        // Adjoints: a range past the end, gradients of the wrong size.
        Assert.Contains("Adjoint.SplitHeads: the range [8, 14) along axis 2", Assert.Throws<ArgumentException>(() => Adjoint.SplitHeads(Random(rng, [2, 2, 3, 3]), 2, 8, x)).Message);
        Assert.Contains("Adjoint.SplitHeads: dY [5, 5, 5] is not a slice of into [2, 3, 12]", Assert.Throws<ArgumentException>(() => Adjoint.SplitHeads(Random(rng, [5, 5, 5]), 2, 0, x)).Message);
        Assert.Contains("Adjoint.MergeHeads: dY [2, 3, 5] and into [2, 2, 3, 3] have different element counts", Assert.Throws<ArgumentException>(() => Adjoint.MergeHeads(Random(rng, [2, 3, 5]), 1, 2, Random(rng, [2, 2, 3, 3]))).Message);
    }
}
