using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The transformer ops (axis reductions, views, LayerNorm, Gelu, Embedding, CausalSoftmax) and their kernels read strided
/// views exactly as their dense copies, and refuse a strided gradient buffer.
/// </summary>
public class TransformerNonDenseTests
{
    private readonly Random _rng = new(2026);

    private (Tensor<double> View, Tensor<double> Dense) Pair(int rows, int cols)
    {
        var view = Tensor.Transpose(Random(_rng, new[] { cols, rows }));
        Assert.False(view.IsDense);
        return (view, Copy(view));
    }

    [Fact]
    public void Forward_ops_read_views()
    {
        var (v, d) = Pair(4, 4);
        var w = Random(_rng, new[] { 4 });
        var b = Random(_rng, new[] { 4 });
        Assert.Equal(Flat(Ops.Sum(d, 0)), Flat(Ops.Sum(v, 0)));
        Assert.Equal(Flat(Ops.Mean(d, 1, true)), Flat(Ops.Mean(v, 1, true)));
        Assert.Equal(Flat(Ops.Max(d, 0)), Flat(Ops.Max(v, 0)));
        Assert.Equal(Flat(Ops.Softmax(d, 0)), Flat(Ops.Softmax(v, 0)));
        Assert.Equal(Flat(Ops.LogSoftmax(d, 1)), Flat(Ops.LogSoftmax(v, 1)));
        Assert.Equal(Flat(Ops.LayerNorm(d, w, b, 1e-5)), Flat(Ops.LayerNorm(v, w, b, 1e-5)));
        Assert.Equal(Flat(Ops.Gelu(d)), Flat(Ops.Gelu(v)));
        Assert.Equal(Flat(Ops.CausalSoftmax(d, 0.5)), Flat(Ops.CausalSoftmax(v, 0.5)));
        Assert.Equal(Flat(Ops.Embedding(d, new[] { 3, 0, 3 })), Flat(Ops.Embedding(v, new[] { 3, 0, 3 })));
        Assert.Equal(Flat(Ops.Permute(d, 1, 0)), Flat(Ops.Permute(v, 1, 0)));
        Assert.Equal(Flat(Ops.Slice(d, 1, 1, 2)), Flat(Ops.Slice(v, 1, 1, 2)));
        Assert.Equal(Flat(Ops.Concat(0, d, d)), Flat(Ops.Concat(0, v, d)));
        Assert.Equal(Flat(Ops.Reshape(d, 2, 8)), Flat(Ops.Reshape(v, 2, 8)));
    }

    [Fact]
    public void Kernels_read_view_gradients_and_refuse_a_view_buffer()
    {
        var (gv, gd) = Pair(4, 4);
        var x = Random(_rng, new[] { 4, 4 });
        var w = Random(_rng, new[] { 4 });
        Tensor<double> Zeros() => Filled(new[] { 4, 4 }, 0);
        void Same(Action<Tensor<double>, Tensor<double>> kernel)
        {
            Tensor<double> fromView = Zeros(), fromDense = Zeros();
            kernel(gv, fromView);
            kernel(gd, fromDense);
            Assert.Equal(Flat(fromDense), Flat(fromView));
        }
        Same((g, into) => Adjoint.Gelu(g, x, into));
        Same((g, into) => Adjoint.Softmax(g, Ops.Softmax(x, 0), 0, into));
        Same((g, into) => Adjoint.LayerNorm(g, x, w, 1e-5, into, null, null));
        Same((g, into) => Adjoint.CausalSoftmax(g, Ops.CausalSoftmax(x, 1.0), 1.0, into));
        Same((g, into) => Adjoint.Permute(g, new[] { 1, 0 }, into));
        Same((g, into) => Adjoint.Embedding(g, new[] { 1, 1, 2, 0 }, into));

        var strided = Tensor.Transpose(Zeros());
        var error = Assert.Throws<ArgumentException>(() => Adjoint.Gelu(gd, x, strided));
        Assert.Contains("Adjoint.Gelu: into [4, 4] must be a dense tensor", error.Message);
        Assert.Throws<ArgumentException>(() => Adjoint.Slice(Filled(new[] { 4, 2 }, 1), 1, 0, strided));
        var everyOther = Tensor.Create(new double[8], new nint[] { 4 }, new nint[] { 2 });
        Assert.False(everyOther.IsDense);
        error = Assert.Throws<ArgumentException>(() => Adjoint.LayerNorm(gd, x, w, 1e-5, null, everyOther, null));
        Assert.Contains("Adjoint.LayerNorm: into [4] must be a dense tensor", error.Message);
    }
}
