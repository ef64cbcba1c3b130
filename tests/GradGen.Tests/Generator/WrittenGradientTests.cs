using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// The accumulate form asked to write (<c>overwrite: true</c>): each gradient is written, not added to, whatever its buffer
/// held — by its first contribution where planning can (write-if-asked), else zeroed first. Every gradient check also
/// compares the written form over NaN with the tuple form bit for bit (<see cref="GradientChecker"/>); these tests cover
/// what it cannot: buffers the caller shares between two parameters, which must receive the sum as the accumulate form
/// gives it, and a gradient nobody wants.
/// </summary>
public class WrittenGradientTests
{
    private const string Source = Harness.Usings + """
        public static partial class Tied
        {
            [Differentiable]
            public static double F(Tensor<double> x, Tensor<double> a, Tensor<double> b) => Ops.Sum(Ops.Square(Ops.MatMul(Ops.Relu(Ops.MatMul(x, a)), b)));

            [Differentiable(Plan = false)]
            public static double G(Tensor<double> x, Tensor<double> a, Tensor<double> b) => Ops.Sum(Ops.Square(Ops.MatMul(Ops.Relu(Ops.MatMul(x, a)), b)));

            [Differentiable]
            public static Tensor<double> Dense(Tensor<double> x, Tensor<double> w, Tensor<double> c) => Ops.Tanh(Ops.MatMul(x, w) + c);

            // Two layers through a callee: each call's pullback is handed the flag (the first to name dA, dC and dB, dD).
            [Differentiable]
            public static double H(Tensor<double> x, Tensor<double> a, Tensor<double> c, Tensor<double> b, Tensor<double> d) => Ops.Sum(Ops.Square(Dense(Dense(x, a, c), b, d)));

            // dA's first contribution is a·a's (the sweep runs backwards): the call adds to it, so it is not handed the flag.
            [Differentiable]
            public static double K(Tensor<double> x, Tensor<double> a, Tensor<double> c) => Ops.Sum(Ops.Square(Dense(x, a, c))) + Ops.Sum(a * a);
        }
        """;

    /// <summary>The lines of generated source that contain <paramref name="call"/> and end with <paramref name="endingWith"/>.</summary>
    private static int LinesCalling(string source, string call, string endingWith) =>
        source.Split('\n').Count(l => l.Contains(call, StringComparison.Ordinal) && l.TrimEnd().EndsWith(endingWith, StringComparison.Ordinal));

    private static readonly Lazy<(Type Type, string Planned, string Unplanned, string Calls, string Reused)> Compiled = new(() =>
    {
        var result = Harness.Run(Source);
        Assert.Empty(result.GeneratorDiagnostics);
        return (Harness.Emit(result.Output).GetType("Tied")!, result.Source("Tied.F.g.cs"), result.Source("Tied.G.g.cs"), result.Source("Tied.H.g.cs"), result.Source("Tied.K.g.cs"));
    });

    [Fact]
    public void Planning_makes_each_first_contribution_write_when_asked()
    {
        var (_, planned, unplanned, _, _) = Compiled.Value;
        // ∂L/∂b, ∂L/∂a and ∂L/∂x are each written by their product: nothing is zeroed, the caller's memory is checked.
        Assert.Contains("overwrite = global::GradGen.Float64.Adjoint.Overwrite(overwrite, dX, dA, dB);", planned);
        Assert.Equal(3, LinesCalling(planned, "Adjoint.MatMul", endingWith: ", overwrite: overwrite);"));
        Assert.DoesNotContain(".Clear(", planned);
        // Unplanned, every gradient is zeroed when asked and added to.
        Assert.DoesNotContain("overwrite: overwrite", unplanned);
        Assert.Contains("if (overwrite && dA is not null) global::GradGen.Float64.Ops.Clear(dA);", unplanned);
    }

    [Fact]
    public void A_callee_is_handed_the_flag_where_it_first_writes_the_callers_gradients()
    {
        var (type, _, _, calls, _) = Compiled.Value;
        Assert.Contains("overwrite = global::GradGen.Float64.Adjoint.Overwrite(overwrite, dX, dA, dC, dB, dD);", calls);
        Assert.Equal(2, LinesCalling(calls, "DensePullback(", endingWith: ", overwrite);"));
        Assert.DoesNotContain(".Clear(", calls);
        // Finite differences, and the written form over NaN against the tuple form bit for bit (GradientChecker).
        GradientChecker.CheckAll(type, "H", [[3, 3], [3, 3], [3], [3, 3], [3]], positive: false, seed: 4);
    }

    [Fact]
    public void A_callee_that_would_overwrite_an_earlier_contribution_is_not_handed_the_flag()
    {
        var (type, _, _, _, reused) = Compiled.Value;
        GradientChecker.CheckAll(type, "K", [[3, 3], [3, 3], [3]], positive: false, seed: 6);
        Assert.Contains("if (dA is not null) global::GradGen.Float64.Adjoint.Multiply(dT3, tape.a, dA, overwrite: overwrite);", reused);
        Assert.Contains("DensePullback(tape.t0Tape, dT0, dX, dA, dC);", reused);
        Assert.Contains("if (overwrite && dC is not null) global::GradGen.Float64.Ops.Clear(dC);", reused);
    }

    [Theory]
    [InlineData("F")]
    [InlineData("G")]
    public void A_buffer_shared_by_two_parameters_receives_their_sum(string method)
    {
        var backward = Backward(method);
        var (x, a, b) = Inputs();
        // Accumulated into one zeroed buffer for both a and b, against written into one buffer of NaN.
        var added = Tensor.Create(new double[9], [3, 3]);
        var written = Tensor.Create(Enumerable.Repeat(double.NaN, 9).ToArray(), [3, 3]);
        backward.Invoke(null, [x, a, b, null, added, added, 1d, false]);
        backward.Invoke(null, [x, a, b, null, written, written, 1d, true]);
        Assert.Equal(Bits(added), Bits(written));
        // And that is ∂L/∂a + ∂L/∂b.
        var separate = (System.Runtime.CompilerServices.ITuple)Backward(method, tuple: true).Invoke(null, [x, a, b, 1d])!;
        var sum = Values((Tensor<double>)separate[2]!).Zip(Values((Tensor<double>)separate[3]!), (p, q) => p + q).ToArray();
        Assert.Equal(sum.Length, Values(written).Length);
        for (var i = 0; i < sum.Length; i++) Assert.Equal(sum[i], Values(written)[i], 12);
    }

    [Theory]
    [InlineData("F")]
    [InlineData("G")]
    public void Overlapping_views_are_zeroed_and_added_to(string method)
    {
        var backward = Backward(method);
        var (x, a, b) = Inputs();
        // dA and dB are two [3, 3] views of one array of 12, three elements apart: they share six.
        var addedMemory = new double[12];
        backward.Invoke(null, [x, a, b, null, View(addedMemory, 0), View(addedMemory, 3), 1d, false]);
        var writtenMemory = Enumerable.Repeat(double.NaN, 12).ToArray();
        backward.Invoke(null, [x, a, b, null, View(writtenMemory, 0), View(writtenMemory, 3), 1d, true]);
        Assert.Equal(addedMemory.Select(BitConverter.DoubleToInt64Bits), writtenMemory.Select(BitConverter.DoubleToInt64Bits));
        Assert.DoesNotContain(writtenMemory, double.IsNaN);

        static Tensor<double> View(double[] memory, int start) => Tensor.Create(memory, start, [3, 3], [3, 1]);
    }

    [Theory]
    [InlineData("F")]
    [InlineData("G")]
    public void Written_gradients_ignore_what_the_buffers_held(string method)
    {
        var backward = Backward(method);
        var (x, a, b) = Inputs();
        var (dX, dA, dB) = (Zeros(3, 3), Zeros(3, 3), Zeros(3, 3));
        backward.Invoke(null, [x, a, b, dX, dA, dB, 1d, false]);
        // Twice over garbage, with one gradient not wanted: the same values as added into zeros.
        foreach (var garbage in new[] { double.NaN, 1e300 })
        {
            var (wA, wB) = (Filled(garbage), Filled(garbage));
            backward.Invoke(null, [x, a, b, null, wA, wB, 1d, true]);
            Assert.Equal(Bits(dA), Bits(wA));
            Assert.Equal(Bits(dB), Bits(wB));
        }

        static Tensor<double> Filled(double value) => Tensor.Create(Enumerable.Repeat(value, 9).ToArray(), [3, 3]);
    }

    private static System.Reflection.MethodInfo Backward(string method, bool tuple = false) =>
        Compiled.Value.Type.GetMethods().Single(m => m.Name == method + "Backward" && (m.ReturnType != typeof(double)) == tuple);

    private static (Tensor<double> X, Tensor<double> A, Tensor<double> B) Inputs()
    {
        var random = new Random(5);
        Tensor<double> R() => Tensor.Create(Enumerable.Range(0, 9).Select(_ => random.NextDouble() - 0.3).ToArray(), [3, 3]);
        return (R(), R(), R());
    }

    private static Tensor<double> Zeros(params int[] shape) => Tensor.Create(new double[shape.Aggregate(1, (p, q) => p * q)], shape.Select(s => (nint)s).ToArray());

    private static double[] Values(Tensor<double> t) => GradientChecker.Values(t);

    private static long[] Bits(Tensor<double> t) => Values(t).Select(BitConverter.DoubleToInt64Bits).ToArray();
}
