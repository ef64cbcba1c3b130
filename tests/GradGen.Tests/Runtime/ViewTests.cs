using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>Reshape, TransposeAxes, Permute, Slice, Split and Concat: values by index, gradients against finite differences.</summary>
public class ViewTests(ITestOutputHelper output)
{
    private static Tensor<double> Iota(params int[] shape) => FromArray(Enumerable.Range(0, Count(shape)).Select(i => (double)i).ToArray(), shape);

    [Theory]
    [InlineData(new[] { 24 }, new[] { 2, 3, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 6, -1 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 3, 2, 2 })]
    [InlineData(new[] { 2, 3, 2, 2 }, new[] { -1 })]
    [InlineData(new[] { 1, 1, 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 1, 3, 1, 4 })]
    public void Reshape_keeps_row_major_order_and_its_gradient(int[] from, int[] to)
    {
        var rng = new Random(40);
        var x = Random(rng, from);
        var y = Ops.Reshape(x, to);
        Assert.Equal(Flat(x), Flat(y));
        Assert.Equal(Count(from), Count(Shape(y)));
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.Reshape(t, to), x, dY, into => Adjoint.Reshape(dY, into));
        output.WriteLine($"Reshape {string.Join('x', from)} -> {string.Join('x', Shape(y))}: max error {error:E2}");
    }

    [Fact]
    public void Reshape_of_a_dense_tensor_is_a_view_and_of_a_strided_one_a_copy()
    {
        var x = Iota(2, 3);
        var view = Ops.Reshape(x, 3, 2);
        x[0, 1] = 100;
        Assert.Equal(100, view[0, 1]);
        var strided = Tensor.Transpose(Iota(2, 3));
        Assert.False(strided.IsDense);
        Assert.Equal(new double[] { 0, 3, 1, 4, 2, 5 }, Flat(Ops.Reshape(strided, 6)));
        // A tensor with a length-1 dimension (stride 0 in System.Numerics.Tensors) is copied, in both directions.
        var withOnes = Ops.Reshape(Iota(4, 4), 1, 1, 4, 4);
        Assert.Equal(Flat(Iota(16)), Flat(Ops.Reshape(withOnes, 4, 4)));
        Assert.Equal(Flat(Iota(16)), Flat(Ops.Reshape(Iota(1, 16), 16, 1)));
    }

    [Fact]
    public void Reshape_that_changes_the_element_count_names_the_op_and_the_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Reshape(Iota(2, 3), 4, 2));
        Assert.Contains("Reshape: cannot reshape [2, 3] (6 elements) to [4, 2]: the element counts differ.", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Reshape(Iota(2, 3), -1, 4));
        Assert.Throws<ArgumentException>(() => Ops.Reshape(Iota(2, 3), -1, -1));
        var kernel = Assert.Throws<ArgumentException>(() => Adjoint.Reshape(Iota(5), Iota(2, 3)));
        Assert.Contains("Adjoint.Reshape: dY [5] and into [2, 3]", kernel.Message);
    }

    public static TheoryData<int[], int[]> Permutations => new()
    {
        { new[] { 4 }, new[] { 0 } },
        { new[] { 3, 4 }, new[] { 1, 0 } },
        { new[] { 2, 3, 4 }, new[] { 2, 0, 1 } },
        { new[] { 2, 3, 4 }, new[] { 0, 2, 1 } },
        { new[] { 2, 3, 4, 5 }, new[] { 0, 2, 1, 3 } }, // [B, T, NH, hs] → [B, NH, T, hs]
        { new[] { 2, 3, 4, 5 }, new[] { 3, 1, 0, -2 } },
    };

    [Theory]
    [MemberData(nameof(Permutations))]
    public void Permute_moves_every_element_and_its_gradient(int[] shape, int[] axes)
    {
        var rng = new Random(41);
        var x = Random(rng, shape);
        var y = Ops.Permute(x, axes);
        int[] order = axes.Select(a => a < 0 ? a + shape.Length : a).ToArray();
        Assert.Equal(order.Select(a => shape[a]).ToArray(), Shape(y));
        var index = new nint[shape.Length];
        for (int i = 0; i < Count(shape); i++)
        {
            Assert.Equal(x[index], y[order.Select(a => index[a]).ToArray()]);
            Next(index, shape);
        }
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.Permute(t, axes), x, dY, into => Adjoint.Permute(dY, axes, into));
        output.WriteLine($"Permute {string.Join('x', shape)} by [{string.Join(',', axes)}]: max error {error:E2}");
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, 0, 1)]
    [InlineData(new[] { 2, 3, 4, 5 }, 1, 2)]
    [InlineData(new[] { 2, 3, 4, 5 }, -1, -2)]
    [InlineData(new[] { 2, 3, 4 }, 0, 2)]
    [InlineData(new[] { 2, 3, 4 }, 1, 1)]
    public void TransposeAxes_swaps_two_axes_and_its_gradient(int[] shape, int a, int b)
    {
        var rng = new Random(42);
        var x = Random(rng, shape);
        var y = Ops.TransposeAxes(x, a, b);
        var order = Enumerable.Range(0, shape.Length).ToArray();
        int na = (a + shape.Length) % shape.Length, nb = (b + shape.Length) % shape.Length;
        (order[na], order[nb]) = (order[nb], order[na]);
        Assert.Equal(Flat(Ops.Permute(x, order)), Flat(y));
        if (shape.Length == 2) Assert.Equal(Flat(Ops.Transpose(x)), Flat(y));
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.TransposeAxes(t, a, b), x, dY, into => Adjoint.TransposeAxes(dY, a, b, into));
        output.WriteLine($"TransposeAxes {string.Join('x', shape)} ({a}, {b}): max error {error:E2}");
    }

    [Fact]
    public void Permute_rejects_what_is_not_a_permutation()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Permute(Iota(2, 3, 4), 0, 0, 1));
        Assert.Contains("Permute: [0, 0, 1] is not a permutation of the axes of [2, 3, 4].", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Permute(Iota(2, 3, 4), 0, 1));
        Assert.Throws<ArgumentException>(() => Ops.TransposeAxes(Iota(2, 3), 0, 2));
        var kernel = Assert.Throws<ArgumentException>(() => Adjoint.Permute(Iota(2, 3, 4), new[] { 1, 0, 2 }, Filled(new[] { 2, 3, 4 }, 0)));
        Assert.Contains("Adjoint.Permute: dY [2, 3, 4] is not into [2, 3, 4] permuted by [1, 0, 2].", kernel.Message);
    }

    [Theory]
    [InlineData(new[] { 7 }, 0, 2, 3)]
    [InlineData(new[] { 4, 5 }, 0, 1, 2)]
    [InlineData(new[] { 4, 5 }, -1, 0, 5)]
    [InlineData(new[] { 2, 6, 3 }, 1, 4, 2)]
    [InlineData(new[] { 2, 3, 4, 5 }, 3, 1, 3)]
    public void Slice_takes_a_sub_range_and_its_gradient_lands_there(int[] shape, int axis, int start, int length)
    {
        var rng = new Random(43);
        var x = Random(rng, shape);
        var y = Ops.Slice(x, axis, start, length);
        int a = (axis + shape.Length) % shape.Length;
        var index = new nint[shape.Length];
        int[] sliced = Shape(y);
        for (int i = 0; i < Count(sliced); i++)
        {
            var source = (nint[])index.Clone();
            source[a] += start;
            Assert.Equal(x[source], y[index]);
            Next(index, sliced);
        }
        var dY = Random(rng, sliced);
        double error = Vjp.Check(t => Ops.Slice(t, axis, start, length), x, dY, into => Adjoint.Slice(dY, axis, start, into));
        output.WriteLine($"Slice {string.Join('x', shape)} axis {axis} [{start}, {start + length}): max error {error:E2}");
    }

    [Fact]
    public void Slice_outside_the_axis_names_the_op_and_the_shape()
    {
        // The position lookup wpe[0..T) with T larger than the table: [8, 4] has 8 positions.
        var wpe = Iota(8, 4);
        var error = Assert.Throws<ArgumentException>(() => Ops.Slice(wpe, 0, 0, 9));
        Assert.Contains("Slice: the range [0, 9) along axis 0 is outside [8, 4] (axis length 8).", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Slice(wpe, 1, -1, 2));
        Assert.Throws<ArgumentException>(() => Ops.Slice(wpe, 2, 0, 1));
        Assert.Equal(Flat(wpe).Take(12), Flat(Ops.Slice(wpe, 0, 0, 3)));
    }

    [Theory]
    [InlineData(new[] { 6 }, 0, 3)]
    [InlineData(new[] { 2, 4, 9 }, -1, 3)] // q, k, v from a fused qkv
    [InlineData(new[] { 2, 4, 6 }, 1, 2)]
    [InlineData(new[] { 2, 3, 4, 6 }, 3, 2)]
    public void Split_and_its_gradient_with_parts_missing(int[] shape, int axis, int parts)
    {
        var rng = new Random(44);
        var x = Random(rng, shape);
        Tensor<double>[] pieces = Ops.Split(x, axis, parts);
        Assert.Equal(parts, pieces.Length);
        Assert.Equal(Flat(x), Flat(Ops.Concat(axis, pieces)));
        int a = (axis + shape.Length) % shape.Length, length = shape[a] / parts;
        for (int p = 0; p < parts; p++) Assert.Equal(Flat(Ops.Slice(x, axis, p * length, length)), Flat(pieces[p]));
        // Part 1 receives no gradient (null): the loss reads only the others.
        var dParts = pieces.Select((piece, p) => p == 1 ? null : Random(rng, Shape(piece))).ToArray();
        double error = Vjp.CheckScalar(
            t => Ops.Split(t, axis, parts).Select((piece, p) => dParts[p] is null ? 0 : Weighted(piece, dParts[p]!)).Sum(),
            x, into => Adjoint.Split(dParts, axis, into));
        output.WriteLine($"Split {string.Join('x', shape)} axis {axis} into {parts}: max error {error:E2}");
    }

    [Theory]
    [InlineData(0, new[] { 2 }, new[] { 3 }, new[] { 1 })]
    [InlineData(1, new[] { 2, 1, 3 }, new[] { 2, 4, 3 }, new[] { 2, 2, 3 })]
    [InlineData(-1, new[] { 2, 3, 2 }, new[] { 2, 3, 5 }, new[] { 2, 3, 1 })]
    [InlineData(0, new[] { 1, 2, 2, 3 }, new[] { 2, 2, 2, 3 }, new[] { 1, 2, 2, 3 })]
    public void Concat_joins_and_its_gradient_returns_each_sub_range(int axis, int[] s0, int[] s1, int[] s2)
    {
        var rng = new Random(45);
        var parts = new[] { Random(rng, s0), Random(rng, s1), Random(rng, s2) };
        var y = Ops.Concat(axis, parts);
        int a = (axis + s0.Length) % s0.Length;
        Assert.Equal(s0[a] + s1[a] + s2[a], Shape(y)[a]);
        Assert.Equal(Flat(parts[1]), Flat(Ops.Slice(y, axis, s0[a], s1[a])));
        var dY = Random(rng, Shape(y));
        double worst = 0;
        for (int p = 0; p < 3; p++)
        {
            int which = p;
            var into = new Tensor<double>?[3];
            worst = Math.Max(worst, Vjp.Check(
                t => Ops.Concat(axis, parts.Select((part, i) => i == which ? t : part).ToArray()), parts[p], dY,
                buffer => { into[which] = buffer; Adjoint.Concat(dY, axis, parts, into); }));
        }
        output.WriteLine($"Concat axis {axis} of {string.Join('x', s0)}, {string.Join('x', s1)}, {string.Join('x', s2)}: max error {worst:E2}");
    }

    [Fact]
    public void Split_and_Concat_shape_errors()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Split(Iota(2, 7), 1, 3));
        Assert.Contains("Split: axis 1 of [2, 7] cannot be split into 3 equal parts.", error.Message);
        error = Assert.Throws<ArgumentException>(() => Ops.Concat(0, Iota(2, 3), Iota(2, 4)));
        Assert.Contains("Concat: cannot join [2, 4] to [2, 3] along axis 0", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Concat(1, Iota(2, 3), Iota(2, 3, 1)));
        Assert.Throws<ArgumentException>(() => Ops.Concat<double>(0));
        var kernel = Assert.Throws<ArgumentException>(() => Adjoint.Slice(Iota(2, 3), 1, 2, Filled(new[] { 2, 4 }, 0)));
        Assert.Contains("Adjoint.Slice: the range [2, 5) along axis 1 is outside [2, 4]", kernel.Message);
    }

    [Fact]
    public void Float_views_agree_with_double()
    {
        var x = Iota(2, 3, 4);
        var xf = Tensor.Create(Flat(x).Select(v => (float)v).ToArray(), x.Lengths);
        Assert.Equal(Flat(Ops.Permute(x, 2, 0, 1)), Flat(Ops.Permute(xf, 2, 0, 1)).Select(v => (double)v));
        Assert.Equal(Flat(Ops.Concat(1, Ops.Split(x, 2, 2))), Flat(Ops.Concat(1, Ops.Split(xf, 2, 2))).Select(v => (double)v));
    }

    [Fact]
    public void ZerosLike_of_an_array_of_parts_gives_each_its_own_zero_buffer()
    {
        var a = Iota(2, 3);
        var parts = new Tensor<double>?[] { a, null, a, Iota(4) };
        var zeros = Ops.ZerosLike(parts);
        Assert.Equal(4, zeros.Length);
        Assert.Null(zeros[1]);
        Assert.NotSame(zeros[0], zeros[2]); // the same tensor twice: two gradient buffers, as Split's parts or a Pack need
        Assert.Equal(new[] { 2, 3 }, Shape(zeros[0]));
        Assert.Equal(new[] { 4 }, Shape(zeros[3]));
        Assert.All(new[] { zeros[0], zeros[2], zeros[3] }, z => Assert.All(Flat(z), v => Assert.Equal(0.0, v)));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (double)i), Flat(a)); // the parts are untouched
    }
}
