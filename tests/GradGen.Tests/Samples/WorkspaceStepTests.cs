using System;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Samples;

/// <summary>
/// The generated accumulate form of two real models — samples/GradGen.Samples.Mlp's <c>MlpModel.Loss</c> and
/// samples/GradGen.Samples.TinyGpt's <c>Loss</c>, compiled through the generator — runs in a per-method, per-thread
/// <see cref="Workspace"/>: once warm, a training step allocates nothing on the calling thread, and its gradients equal
/// those of the same forward and pullback run without a workspace, bit for bit, while inputs and batch size change.
/// </summary>
public class WorkspaceStepTests
{
    // A driver compiled with each model: builds the step delegates in the model's assembly, so the test calls them
    // without reflection (which would allocate).
    private const string MlpDriver = """
        using System;
        using System.Numerics.Tensors;
        using GradGen;

        namespace GradGen.Samples.Mlp;

        public static class Driver
        {
            public static MlpModel Model(int seed, params int[] widths) => MlpModel.Create(new Random(seed), widths);

            public static MlpModel Gradient(MlpModel model) => Parameters.ZerosLike(model);

            public static Tensor<float>[] Leaves(MlpModel model) => Parameters.Tensors(model);

            /// <summary>The accumulate form (workspace).</summary>
            public static Func<Tensor<float>, int[], float> WithWorkspace(MlpModel model, MlpModel gradient, bool overwrite)
                => (x, targets) => model.LossBackward(x, targets, gradient, overwrite: overwrite);

            /// <summary>The plain-tensor form (samples/GradGen.Samples.Mlp/Mlp.cs): the accumulate form with one gradient per parameter.</summary>
            public static Func<Tensor<float>, int[], float> PlainWithWorkspace(MlpModel model, bool overwrite)
            {
                var (w1, b1, w2, b2) = (model.Hidden[0].W, model.Hidden[0].B, model.Output.W, model.Output.B);
                var (dX, dW1, dB1, dW2, dB2) = (Ops.ZerosLike(w1), Ops.ZerosLike(w1), Ops.ZerosLike(b1), Ops.ZerosLike(w2), Ops.ZerosLike(b2));
                return (x, targets) =>
                {
                    if (!dX.Lengths.SequenceEqual(x.Lengths)) dX = Ops.ZerosLike(x);
                    return Mlp.LossBackward(x, w1, b1, w2, b2, targets, dX, dW1, dB1, dW2, dB2, overwrite: overwrite);
                };
            }

            /// <summary>The same forward and pullback outside any workspace scope: every tensor freshly allocated.</summary>
            public static Func<Tensor<float>, int[], float> WithoutWorkspace(MlpModel model, MlpModel gradient)
                => (x, targets) =>
                {
                    var value = model.LossForward(x, targets, out var tape);
                    model.LossPullback(tape, 1f, gradient);
                    return value;
                };
        }
        """;

    private const string GptDriver = """
        using System;
        using System.Numerics.Tensors;
        using GradGen;

        namespace GradGen.Samples.TinyGpt;

        public static class Driver
        {
            public static Gpt Model(int seed, int V, int maxT, int C, int NH, int L) => Gpt.Create(new Random(seed), V, maxT, C, NH, L);

            public static Gpt Gradient(Gpt model) => Parameters.ZerosLike(model);

            public static Tensor<float>[] Leaves(Gpt model) => Parameters.Tensors(model);

            public static Func<int[], int[], int, int, float> WithWorkspace(Gpt model, Gpt gradient)
                => (tokens, targets, B, T) => TinyGpt.LossBackward(model, tokens, targets, B, T, gradient);

            public static Func<int[], int[], int, int, float> WithoutWorkspace(Gpt model, Gpt gradient)
                => (tokens, targets, B, T) =>
                {
                    var value = TinyGpt.LossForward(model, tokens, targets, B, T, out var tape);
                    TinyGpt.LossPullback(tape, 1f, gradient);
                    return value;
                };
        }
        """;

    private const int V = 32, C = 16, NH = 2, L = 2, MaxT = 8;

    private static readonly Lazy<Type> Mlp = new(() => Harness.Load(SampleFile("GradGen.Samples.Mlp", "MlpModel.cs"), SampleFile("GradGen.Samples.Mlp", "Mlp.cs"), MlpDriver).GetType("GradGen.Samples.Mlp.Driver")!);

    private static readonly Lazy<Type> Gpt = new(() => Harness.Load(TinyGptSource.Model, TinyGptSource.Initialisation, GptDriver).GetType("GradGen.Samples.TinyGpt.Driver")!);

    [Theory]
    [InlineData(64, false)]
    [InlineData(256, false)]   // results ≥ 85 KB, which would land on the large object heap
    [InlineData(64, true)]     // written (overwrite: true): the model's gradient zeroed by Parameters.Clear
    public void The_MLP_accumulate_form_allocates_nothing_once_warm(int batch, bool overwrite)
    {
        var driver = Mlp.Value;
        var model = Call(driver, "Model", 1, new[] { 784, 256, 10 });
        var gradient = Call(driver, "Gradient", model);
        var step = (Func<Tensor<float>, int[], float>)Call(driver, "WithWorkspace", model, gradient, overwrite);
        var (x, targets) = MlpBatch(new Random(2), batch);
        Allocations.NoneOnceWarm(() => step(x, targets));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // written: the caller's tensors checked for shared memory (Adjoint.Overwrite) without an allocation
    public void The_plain_tensor_MLP_accumulate_form_allocates_nothing_once_warm(bool overwrite)
    {
        var driver = Mlp.Value;
        var model = Call(driver, "Model", 1, new[] { 784, 256, 10 });
        var step = (Func<Tensor<float>, int[], float>)Call(driver, "PlainWithWorkspace", model, overwrite);
        var (x, targets) = MlpBatch(new Random(2), 64);
        Allocations.NoneOnceWarm(() => step(x, targets));
    }

    [Fact]
    public void The_TinyGpt_accumulate_form_allocates_nothing_once_warm()
    {
        const int B = 2, T = 8;
        var driver = Gpt.Value;
        var model = Call(driver, "Model", 3, V, MaxT, C, NH, L);
        var gradient = Call(driver, "Gradient", model);
        var step = (Func<int[], int[], int, int, float>)Call(driver, "WithWorkspace", model, gradient);
        var (tokens, targets) = GptBatch(new Random(4), B, T);
        Allocations.NoneOnceWarm(() => step(tokens, targets, B, T));
    }

    [Fact]
    public void MLP_gradients_with_a_workspace_equal_those_without_bit_for_bit_as_inputs_and_batch_size_change()
    {
        var driver = Mlp.Value;
        var model = Call(driver, "Model", 5, new[] { 20, 16, 12, 4 });
        var (with, without) = (Call(driver, "Gradient", model), Call(driver, "Gradient", model));
        var stepWith = (Func<Tensor<float>, int[], float>)Call(driver, "WithWorkspace", model, with, false);
        var stepWithout = (Func<Tensor<float>, int[], float>)Call(driver, "WithoutWorkspace", model, without);
        var random = new Random(6);
        foreach (var batch in new[] { 8, 8, 16, 8, 3, 3, 8 })
        {
            var (x, targets) = MlpBatch(random, batch, 20, 4);
            Assert.Equal(stepWithout(x, targets), stepWith(x, targets));
            AssertSame(Leaves(driver, without), Leaves(driver, with), $"batch {batch}");
            if (batch == 16) Clear(Leaves(driver, with), Leaves(driver, without));   // from zero again: a fresh accumulation
        }
    }

    [Fact]
    public void TinyGpt_gradients_with_a_workspace_equal_those_without_bit_for_bit_as_inputs_and_batch_size_change()
    {
        var driver = Gpt.Value;
        var model = Call(driver, "Model", 7, V, MaxT, C, NH, L);
        var (with, without) = (Call(driver, "Gradient", model), Call(driver, "Gradient", model));
        var stepWith = (Func<int[], int[], int, int, float>)Call(driver, "WithWorkspace", model, with);
        var stepWithout = (Func<int[], int[], int, int, float>)Call(driver, "WithoutWorkspace", model, without);
        var random = new Random(8);
        foreach (var (b, t) in new[] { (2, 8), (2, 8), (1, 8), (2, 5), (2, 8), (3, 8) })
        {
            var (tokens, targets) = GptBatch(random, b, t);
            Assert.Equal(stepWithout(tokens, targets, b, t), stepWith(tokens, targets, b, t));
            AssertSame(Leaves(driver, without), Leaves(driver, with), $"B={b}, T={t}");
        }
    }

    // Loss's custom derivative Probe calls the accumulate form of Loss again from inside Loss's pullback: a reentrant use of
    // Loss's workspace on the same thread, with other inputs, which must not touch the outer step's tensors.
    private const string ReentrantSource = """
        using System;
        using System.Numerics.Tensors;
        using GradGen;

        public static partial class Reentrant
        {
            [Differentiable]
            public static double Loss(Tensor<double> x, int depth)
            {
                var h = Ops.Tanh(Ops.Multiply(x, x));
                var y = Probe(h, depth);
                return Ops.Sum(Ops.Multiply(y, h));
            }

            public static Tensor<double> Probe(Tensor<double> h, int depth) => Ops.Multiply(h, 2.0);

            [DerivativeOf(nameof(Probe))]
            public static void ProbePullback(Tensor<double> h, int depth, Tensor<double> y, Tensor<double> dY, Tensor<double> dH)
            {
                if (depth > 0) LossBackward(Ops.Multiply(h, 5.0), depth - 1, Ops.ZerosLike(h));
                Adjoint.Scaled(dY, 2.0, dH);
            }

            public static double WithoutWorkspace(Tensor<double> x, int depth, Tensor<double> dX)
            {
                var value = LossForward(x, depth, out var tape);
                LossPullback(tape, 1.0, dX);
                return value;
            }
        }
        """;

    [Fact]
    public void A_reentrant_call_of_the_accumulate_form_falls_back_to_allocating_and_leaves_the_outer_step_intact()
    {
        var type = Harness.Load(ReentrantSource).GetType("Reentrant")!;
        var backward = type.GetMethods().Single(m => m.Name == "LossBackward" && m.GetParameters().Length == 5);
        var reference = type.GetMethod("WithoutWorkspace")!;
        var random = new Random(9);
        for (var step = 0; step < 4; step++)
        {
            var x = Tensor.Create(Enumerable.Range(0, 6).Select(_ => random.NextDouble() * 2 - 1).ToArray(), [2, 3]);
            var (with, without) = (Ops.ZerosLike(x), Ops.ZerosLike(x));
            var value = (double)backward.Invoke(null, [x, 1, with, 1.0, false])!;
            Assert.Equal((double)reference.Invoke(null, [x, 1, without])!, value);
            Assert.Contains(without.ToArray(), v => v != 0);
            Assert.Equal(without.ToArray(), with.ToArray());
            // and the value of the analytic gradient: d/dx Σ 2·tanh(x²)² = 8·x·tanh(x²)·(1 − tanh²(x²))
            var expected = x.ToArray().Select(v => 8 * v * Math.Tanh(v * v) * (1 - Math.Tanh(v * v) * Math.Tanh(v * v))).ToArray();
            Assert.Equal(expected, with.ToArray(), (e, a) => Math.Abs(e - a) <= 1e-12);
        }
    }

    private static void AssertSame(Tensor<float>[] expected, Tensor<float>[] actual, string when)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            var e = expected[k].ToArray();
            Assert.Contains(e, v => v != 0);   // a gradient of zeros would prove nothing
            Assert.True(e.SequenceEqual(actual[k].ToArray()), $"{when}: gradient tensor {k} differs");
        }
    }

    private static void Clear(params Tensor<float>[][] gradients)
    {
        foreach (var tensors in gradients) Ops.ZeroGradients(tensors);
    }

    private static Tensor<float>[] Leaves(Type driver, object gradient) => (Tensor<float>[])Call(driver, "Leaves", gradient);

    private static (Tensor<float> X, int[] Targets) MlpBatch(Random random, int batch, int inputs = 784, int classes = 10)
    {
        var x = Tensor.Create(Enumerable.Range(0, batch * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [batch, inputs]);
        return (x, Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray());
    }

    private static (int[] Tokens, int[] Targets) GptBatch(Random random, int b, int t)
        => (Enumerable.Range(0, b * t).Select(_ => random.Next(V)).ToArray(), Enumerable.Range(0, b * t).Select(_ => random.Next(V)).ToArray());

    private static object Call(Type driver, string name, params object[] arguments) => driver.GetMethod(name)!.Invoke(null, arguments)!;

    private static string SampleFile(string project, string file, [CallerFilePath] string here = "") =>
        File.ReadAllText(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "samples", project, file)));
}
