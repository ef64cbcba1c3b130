using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>Sum, Mean, Max, Softmax and LogSoftmax along an axis: values against naive loops, gradients against finite differences.</summary>
public class AxisReductionTests(ITestOutputHelper output)
{
    // Every axis of ranks 1–4, negative axes included.
    public static TheoryData<int[], int, bool> Cases()
    {
        var data = new TheoryData<int[], int, bool>();
        int[][] shapes = { new[] { 5 }, new[] { 3, 4 }, new[] { 2, 3, 4 }, new[] { 2, 3, 2, 3 } };
        foreach (int[] shape in shapes)
        {
            for (int axis = -1; axis < shape.Length; axis++)
            {
                data.Add(shape, axis, axis % 2 == 0);
            }
        }
        return data;
    }

    /// <summary>Naive reduction through the tensor indexer: op over the lane of each output position.</summary>
    private static double[] NaiveReduce(Tensor<double> x, int axis, Func<double[], double> op, out int[] keptShape)
    {
        int[] shape = Shape(x);
        int a = axis < 0 ? axis + shape.Length : axis;
        keptShape = (int[])shape.Clone();
        keptShape[a] = 1;
        var result = new double[Count(keptShape)];
        var index = new nint[shape.Length];
        for (int i = 0; i < result.Length; i++)
        {
            var full = (nint[])index.Clone();
            var lane = new double[shape[a]];
            for (int k = 0; k < lane.Length; k++)
            {
                full[a] = k;
                lane[k] = x[full];
            }
            result[i] = op(lane);
            Next(index, keptShape);
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sum_along_an_axis(int[] shape, int axis, bool keepDims)
    {
        var rng = new Random(10);
        var x = Random(rng, shape);
        var y = Ops.Sum(x, axis, keepDims);
        AssertClose(NaiveReduce(x, axis, lane => lane.Sum(), out int[] kept), Flat(y));
        Assert.Equal(keepDims || shape.Length == 1 ? kept : kept.Where((_, d) => d != (axis + shape.Length) % shape.Length).ToArray(), Shape(y));
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.Sum(t, axis, keepDims), x, dY, into => Adjoint.Sum(dY, axis, into));
        output.WriteLine($"Sum {string.Join('x', shape)} axis {axis}: max error {error:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mean_along_an_axis(int[] shape, int axis, bool keepDims)
    {
        var rng = new Random(11);
        var x = Random(rng, shape);
        var y = Ops.Mean(x, axis, keepDims);
        AssertClose(NaiveReduce(x, axis, lane => lane.Average(), out _), Flat(y));
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.Mean(t, axis, keepDims), x, dY, into => Adjoint.Mean(dY, axis, into));
        output.WriteLine($"Mean {string.Join('x', shape)} axis {axis}: max error {error:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Max_along_an_axis_sends_the_gradient_to_the_arg_max(int[] shape, int axis, bool keepDims)
    {
        var rng = new Random(12);
        // Distinct values spaced well beyond the finite-difference step, so the arg-max does not move under it.
        var values = Enumerable.Range(0, Count(shape)).Select(i => 0.1 * i).OrderBy(_ => rng.Next()).ToArray();
        var x = FromArray(values, shape);
        var y = Ops.Max(x, axis, keepDims);
        AssertClose(NaiveReduce(x, axis, lane => lane.Max(), out _), Flat(y));
        var dY = Random(rng, Shape(y));
        double error = Vjp.Check(t => Ops.Max(t, axis, keepDims), x, dY, into => Adjoint.Max(dY, x, axis, into));
        output.WriteLine($"Max {string.Join('x', shape)} axis {axis}: max error {error:E2}");
    }

    [Fact]
    public void Max_with_ties_sends_the_whole_gradient_to_the_first_maximum()
    {
        var x = FromArray(new[] { 1.0, 3.0, 3.0, 2.0 }, 1, 4);
        var into = Filled(new[] { 1, 4 }, 0);
        Adjoint.Max(FromArray(new[] { 5.0 }, 1), x, 1, into);
        Assert.Equal(new[] { 0.0, 5.0, 0.0, 0.0 }, Flat(into));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Softmax_along_an_axis(int[] shape, int axis, bool _)
    {
        var rng = new Random(13);
        var x = Random(rng, shape, -3, 3);
        var y = Ops.Softmax(x, axis);
        AssertClose(NaiveReduce(y, axis, lane => lane.Sum(), out int[] _), Enumerable.Repeat(1.0, Count(shape) / shape[(axis + shape.Length) % shape.Length]).ToArray());
        var dY = Random(rng, shape);
        double error = Vjp.Check(t => Ops.Softmax(t, axis), x, dY, into => Adjoint.Softmax(dY, y, axis, into));
        output.WriteLine($"Softmax {string.Join('x', shape)} axis {axis}: max error {error:E2}");
    }

    [Fact]
    public void Softmax_along_the_last_axis_equals_the_existing_softmax()
    {
        var x = Random(new Random(14), new[] { 2, 3, 5 }, -3, 3);
        AssertClose(Flat(Ops.Softmax(x)), Flat(Ops.Softmax(x, -1)), 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogSoftmax_along_an_axis(int[] shape, int axis, bool _)
    {
        var rng = new Random(15);
        var x = Random(rng, shape, -3, 3);
        var y = Ops.LogSoftmax(x, axis);
        AssertClose(Flat(Ops.Log(Ops.Softmax(x, axis))), Flat(y), 1e-12);
        var dY = Random(rng, shape);
        double error = Vjp.Check(t => Ops.LogSoftmax(t, axis), x, dY, into => Adjoint.LogSoftmax(dY, y, axis, into));
        output.WriteLine($"LogSoftmax {string.Join('x', shape)} axis {axis}: max error {error:E2}");
    }

    [Fact]
    public void LogSoftmax_stays_finite_for_large_inputs()
    {
        var y = Ops.LogSoftmax(FromArray(new[] { 1000.0, 0.0, -1000.0 }, 3), 0);
        Assert.Equal(0.0, y[0], 12);
        Assert.Equal(-1000.0, y[1], 9);
        Assert.True(double.IsFinite(y[2]));
    }

    [Fact]
    public void Float_reductions_agree_with_double()
    {
        var x = Random(new Random(16), new[] { 2, 3, 4 });
        var xf = Tensor.Create(Flat(x).Select(v => (float)v).ToArray(), x.Lengths);
        AssertClose(Flat(Ops.Sum(x, 1)), Flat(Ops.Sum(xf, 1)).Select(v => (double)v).ToArray(), 1e-6);
        AssertClose(Flat(Ops.Max(x, 0)), Flat(Ops.Max(xf, 0)).Select(v => (double)v).ToArray(), 1e-6);
        AssertClose(Flat(Ops.LogSoftmax(x, 1)), Flat(Ops.LogSoftmax(xf, 1)).Select(v => (double)v).ToArray(), 1e-6);
    }

    [Fact]
    public void Axis_out_of_range_names_the_op_and_the_shape()
    {
        var x = Filled(new[] { 2, 3 }, 0);
        var error = Assert.Throws<ArgumentException>(() => Ops.Sum(x, 2));
        Assert.Contains("Sum: axis 2 is out of range for a tensor of shape [2, 3]", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Softmax(x, -3));
        var kernel = Assert.Throws<ArgumentException>(() => Adjoint.Sum(Filled(new[] { 3 }, 0), 1, Filled(new[] { 2, 3 }, 0)));
        Assert.Contains("Adjoint.Sum: dY [3] is not into [2, 3] reduced along axis 1", kernel.Message);
    }
}
