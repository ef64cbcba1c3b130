using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>Strided views (Tensor.Transpose) must give exactly the results of their dense copies.</summary>
public class NonDenseTests
{
    private readonly Random _rng = new(2024);

    /// <summary>A non-dense [rows, cols] view and a dense copy of it.</summary>
    private (Tensor<double> View, Tensor<double> Dense) Pair(int rows, int cols, double low = -1, double high = 1)
    {
        var view = Tensor.Transpose(Random(_rng, new[] { cols, rows }, low, high));
        Assert.False(view.IsDense);
        var dense = Copy(view);
        Assert.True(dense.IsDense);
        return (view, dense);
    }

    [Fact]
    public void Forward_ops_read_views_correctly()
    {
        var (v, d) = Pair(3, 4);
        var (pv, pd) = Pair(3, 4, 0.5, 2);
        var (bv, bd) = Pair(4, 5);
        var row = Random(_rng, new[] { 4 });
        Assert.Equal(Flat(Ops.Add(d, row)), Flat(Ops.Add(v, row)));
        Assert.Equal(Flat(Ops.Subtract(d, pd)), Flat(Ops.Subtract(v, pv)));
        Assert.Equal(Flat(Ops.Multiply(row, d)), Flat(Ops.Multiply(row, v)));
        Assert.Equal(Flat(Ops.Divide(d, pd)), Flat(Ops.Divide(v, pv)));
        Assert.Equal(Flat(Ops.Divide(2.0, pd)), Flat(Ops.Divide(2.0, pv)));
        Assert.Equal(Flat(Ops.MatMul(d, bd)), Flat(Ops.MatMul(v, bv)));
        Assert.Equal(Flat(Ops.Transpose(d)), Flat(Ops.Transpose(v)));
        Assert.Equal(Flat(Ops.Relu(d)), Flat(Ops.Relu(v)));
        Assert.Equal(Flat(Ops.Tanh(d)), Flat(Ops.Tanh(v)));
        Assert.Equal(Flat(Ops.Log(pd)), Flat(Ops.Log(pv)));
        Assert.Equal(Flat(Ops.Softmax(d)), Flat(Ops.Softmax(v)));
        Assert.Equal(Ops.Sum(d), Ops.Sum(v));
        Assert.Equal(Ops.Mean(d), Ops.Mean(v));
        Assert.Equal(Ops.SoftmaxCrossEntropy(d, new[] { 0, 3, 1 }), Ops.SoftmaxCrossEntropy(v, new[] { 0, 3, 1 }));
        Assert.True(Ops.Relu(v).IsDense);
    }

    /// <summary>
    /// A row slice is dense but starts inside its array: ops must read (and gradients accumulate into) its own elements,
    /// not the array's first ones (Tensor&lt;T&gt;.GetPinnableReference is the array's element 0).
    /// </summary>
    [Fact]
    public void Dense_slices_that_start_inside_their_array_are_read_and_written_in_place()
    {
        var whole = Random(_rng, new[] { 4, 6 });
        var slice = whole.Slice(new System.Buffers.NRange[] { 1..3, .. });
        Assert.True(slice.IsDense);
        var copy = Copy(slice);
        Assert.Equal(Flat(Ops.Relu(copy)), Flat(Ops.Relu(slice)));
        Assert.Equal(Flat(Ops.MatMul(copy, Ops.Transpose(copy))), Flat(Ops.MatMul(slice, Ops.Transpose(slice))));
        var before = Flat(whole);
        var dY = Filled(new[] { 2, 6 }, 1);
        Adjoint.Relu(dY, copy, slice); // rows 1 and 2 of whole += 1 where positive
        var after = Flat(whole);
        for (int i = 0; i < 24; i++)
        {
            bool inSlice = i >= 6 && i < 18;
            Assert.Equal(inSlice && before[i] > 0 ? before[i] + 1 : before[i], after[i]);
        }
    }

    [Fact]
    public void AsSpan_is_a_tensors_own_elements_and_refuses_strided_views()
    {
        var whole = Random(_rng, new[] { 4, 6 });
        var slice = whole.Slice(new System.Buffers.NRange[] { 1..3, .. });
        Assert.Equal(Flat(slice), Ops.AsSpan(slice).ToArray());
        Ops.AsSpan(slice)[0] = 42;
        Assert.Equal(42, Flat(whole)[6]); // the slice's first element is the array's seventh
        var error = Assert.Throws<ArgumentException>(() => Ops.AsSpan(Tensor.Transpose(whole)));
        Assert.Contains("strided view", error.Message);
    }

    [Fact]
    public void Adjoint_kernels_read_views_correctly()
    {
        var (gv, gd) = Pair(3, 4);
        var (xv, xd) = Pair(3, 4, 0.5, 2);
        var (bv, bd) = Pair(4, 5);
        var (dYmv, dYmd) = Pair(3, 5);
        var bias = Random(_rng, new[] { 4 });

        void Same(Action<Tensor<double>, Tensor<double>, Tensor<double>> kernel, int[] intoShape, Tensor<double> a, Tensor<double> b, Tensor<double> aDense, Tensor<double> bDense)
        {
            var fromViews = Filled(intoShape, 1);
            var fromDense = Filled(intoShape, 1);
            kernel(a, b, fromViews);
            kernel(aDense, bDense, fromDense);
            Assert.Equal(Flat(fromDense), Flat(fromViews));
        }

        Same((g, _, into) => Adjoint.Identity(g, into), new[] { 4 }, gv, gv, gd, gd);
        Same((g, x, into) => Adjoint.Multiply(g, x, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Same((g, x, into) => Adjoint.Multiply(g, x, into), new[] { 4 }, gv, xv, gd, xd);
        Same((g, x, into) => Adjoint.DivideNumerator(g, x, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Same((g, x, into) => Adjoint.DivideDenominator(g, x, x, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Same((g, b, into) => Adjoint.MatMulLeft(g, b, into), new[] { 3, 4 }, dYmv, bv, dYmd, bd);
        Same((a, g, into) => Adjoint.MatMulRight(a, g, into), new[] { 4, 5 }, gv, dYmv, gd, dYmd);
        Same((g, _, into) => Adjoint.Transpose(g, into), new[] { 4, 3 }, gv, gv, gd, gd);
        Same((g, x, into) => Adjoint.Relu(g, x, into), new[] { 3, 4 }, gv, gv, gd, gd);
        Same((g, y, into) => Adjoint.Sigmoid(g, y, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Same((g, x, into) => Adjoint.Log(g, x, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Same((g, y, into) => Adjoint.Softmax(g, y, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Same((_, z, into) => Adjoint.SoftmaxCrossEntropy(0.5, z, new[] { 1, 2, 0 }, into), new[] { 3, 4 }, gv, xv, gd, xd);
        Assert.Equal(Adjoint.Dot(gd, xd), Adjoint.Dot(gv, xv));
        Assert.Equal(Adjoint.SumDivide(gd, xd), Adjoint.SumDivide(gv, xv));
        Assert.Equal(Flat(Ops.Add(gd, bias)), Flat(Ops.Add(gv, bias)));
    }
}
