using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The allocation-free forms of the transformer ops write exactly what the allocating forms return, overwrite whatever the
/// buffer held, return the buffer, work in place where documented, and reject a wrong buffer shape.
/// </summary>
public class TransformerIntoFormTests
{
    private readonly Random _rng = new(7);

    private Tensor<double> Garbage(params int[] shape) => Random(_rng, shape, 100, 200);

    [Fact]
    public void Into_forms_equal_the_allocating_forms()
    {
        var x = Random(_rng, new[] { 2, 3, 4, 4 });
        var w = Random(_rng, new[] { 4 });
        var b = Random(_rng, new[] { 4 });
        var into = Garbage(2, 3, 4, 4);
        Assert.Same(into, Ops.Gelu(x, into));
        Assert.Equal(Flat(Ops.Gelu(x)), Flat(into));
        into = Garbage(2, 3, 4, 4);
        Assert.Same(into, Ops.LayerNorm(x, w, b, 1e-5, into));
        Assert.Equal(Flat(Ops.LayerNorm(x, w, b, 1e-5)), Flat(into));
        into = Garbage(2, 3, 4, 4);
        Assert.Same(into, Ops.CausalSoftmax(x, 0.5, into));
        Assert.Equal(Flat(Ops.CausalSoftmax(x, 0.5)), Flat(into)); // masked entries overwritten with 0
        var swapped = Garbage(2, 4, 3, 4);
        Assert.Same(swapped, Ops.TransposeAxes(x, 1, 2, swapped));
        Assert.Equal(Flat(Ops.TransposeAxes(x, 1, 2)), Flat(swapped));
        var permuted = Garbage(4, 2, 4, 3);
        Assert.Same(permuted, Ops.Permute(x, new[] { 3, 0, 2, 1 }, permuted));
        Assert.Equal(Flat(Ops.Permute(x, 3, 0, 2, 1)), Flat(permuted));
        var table = Random(_rng, new[] { 5, 4 });
        var rows = Garbage(2, 3, 4);
        int[] ids = { 4, 0, 4, 1, 2, 3 };
        Assert.Same(rows, Ops.Embedding(table, ids, rows));
        Assert.Equal(Flat(Ops.Embedding(table, ids, 2, 3)), Flat(rows));
    }

    [Fact]
    public void Element_and_row_wise_forms_work_in_place()
    {
        var x = Random(_rng, new[] { 3, 5, 5 });
        var w = Random(_rng, new[] { 5 });
        var b = Random(_rng, new[] { 5 });
        double[] gelu = Flat(Ops.Gelu(x)), layerNorm = Flat(Ops.LayerNorm(x, w, b, 1e-5)), causal = Flat(Ops.CausalSoftmax(x, 2.0));
        var y = Copy(x);
        Assert.Equal(gelu, Flat(Ops.Gelu(y, y)));
        y = Copy(x);
        Assert.Equal(layerNorm, Flat(Ops.LayerNorm(y, w, b, 1e-5, y)));
        y = Copy(x);
        Assert.Equal(causal, Flat(Ops.CausalSoftmax(y, 2.0, y)));
    }

    [Fact]
    public void Wrong_buffers_are_rejected()
    {
        var x = Random(_rng, new[] { 2, 3 });
        var error = Assert.Throws<ArgumentException>(() => Ops.Gelu(x, Garbage(3, 2)));
        Assert.Contains("Gelu: x [2, 3] and into [3, 2] must have the same shape.", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.LayerNorm(x, Random(_rng, new[] { 3 }), Random(_rng, new[] { 3 }), 1e-5, Garbage(2, 4)));
        Assert.Throws<ArgumentException>(() => Ops.CausalSoftmax(Garbage(3, 3), 1.0, Garbage(2, 3, 3)));
        error = Assert.Throws<ArgumentException>(() => Ops.TransposeAxes(x, 0, 1, Garbage(2, 3)));
        Assert.Contains("TransposeAxes: the permuted shape [3, 2] and into [2, 3] must have the same shape.", error.Message);
        var square = Garbage(3, 3);
        error = Assert.Throws<ArgumentException>(() => Ops.TransposeAxes(square, 0, 1, square));
        Assert.Contains("TransposeAxes: into must not be x", error.Message);
        error = Assert.Throws<ArgumentException>(() => Ops.Embedding(Garbage(5, 3), new[] { 0, 1 }, Garbage(2, 4)));
        Assert.Contains("Embedding: into [2, 4] must be [..., 3] with one row per id (2 ids) for table [5, 3].", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Gelu(x, Tensor.Transpose(Garbage(3, 2))));
    }
}
