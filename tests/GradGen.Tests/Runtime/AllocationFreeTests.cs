using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen.Tests.Infrastructure;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// The runtime entry points a training step needs for zero allocation: results written into caller-owned tensors,
/// fused backward kernels, and gradient clearing. Each is checked against the allocating form (or finite differences),
/// then a whole MLP step built from them is checked to allocate nothing once warm.
/// </summary>
public class AllocationFreeTests
{
    private static Tensor<float> ToFloat(Tensor<double> x) => Tensor.Create(Array.ConvertAll(Flat(x), v => (float)v), x.Lengths);

    [Fact]
    public void Into_forms_equal_the_allocating_forms()
    {
        var rng = new Random(1);
        var a = Random(rng, new[] { 4, 5 });
        var b = Random(rng, new[] { 5 }, 0.5, 2);
        var into = Filled(new[] { 4, 5 }, 7);
        Assert.Equal(Flat(Ops.Add(a, b)), Flat(Ops.Add(a, b, into)));
        Assert.Equal(Flat(Ops.Subtract(a, b)), Flat(Ops.Subtract(a, b, into)));
        Assert.Equal(Flat(Ops.Multiply(a, b)), Flat(Ops.Multiply(a, b, into)));
        Assert.Equal(Flat(Ops.Divide(a, b)), Flat(Ops.Divide(a, b, into)));
        Assert.Equal(Flat(Ops.Negate(a)), Flat(Ops.Negate(a, into)));
        Assert.Equal(Flat(Ops.Relu(a)), Flat(Ops.Relu(a, into)));
        Assert.Equal(Flat(Ops.Sigmoid(a)), Flat(Ops.Sigmoid(a, into)));
        Assert.Equal(Flat(Ops.Tanh(a)), Flat(Ops.Tanh(a, into)));
        Assert.Equal(Flat(Ops.Exp(a)), Flat(Ops.Exp(a, into)));
        Assert.Equal(Flat(Ops.Square(a)), Flat(Ops.Square(a, into)));
        var positive = Random(rng, new[] { 4, 5 }, 0.5, 2);
        Assert.Equal(Flat(Ops.Log(positive)), Flat(Ops.Log(positive, into)));
        Assert.Equal(Flat(Ops.Sqrt(positive)), Flat(Ops.Sqrt(positive, into)));
        Assert.Equal(Flat(Ops.Relu(Ops.Add(a, b))), Flat(Ops.AddRelu(a, b, into)));
        var rows = Random(rng, new[] { 3, 6 });
        Assert.Equal(Flat(Ops.Softmax(rows)), Flat(Ops.Softmax(rows, Filled(new[] { 3, 6 }, 9))));
        Assert.Equal(Flat(Ops.Transpose(rows)), Flat(Ops.Transpose(rows, Filled(new[] { 6, 3 }, 9))));
        // in place: into may be the same-shaped operand
        var copy = Copy(a);
        Ops.Relu(copy, copy);
        Assert.Equal(Flat(Ops.Relu(a)), Flat(copy));
    }

    [Fact]
    public void Into_forms_reject_a_wrong_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Add(Filled(new[] { 2, 3 }, 0), Filled(new[] { 3 }, 0), Filled(new[] { 3, 2 }, 0)));
        Assert.Contains("Add: into [3, 2] must have the broadcast shape [2, 3] of [2, 3] and [3].", error.Message);
        error = Assert.Throws<ArgumentException>(() => Ops.Relu(Filled(new[] { 2, 3 }, 0), Filled(new[] { 6 }, 0)));
        Assert.Contains("Relu: x [2, 3] and into [6] must have the same shape.", error.Message);
    }

    [Fact]
    public void Clear_and_ZeroGradients_zero_dense_tensors_and_views()
    {
        var a = Filled(new[] { 3, 4 }, 2);
        var b = Filled(new[] { 5 }, -1);
        Ops.ZeroGradients(a, b);
        Assert.All(Flat(a), v => Assert.Equal(0, v));
        Assert.All(Flat(b), v => Assert.Equal(0, v));
        var c = Filled(new[] { 2, 3 }, 4);
        Ops.ZeroGradients(new[] { c });
        Assert.All(Flat(c), v => Assert.Equal(0, v));
        var backing = Filled(new[] { 3, 2 }, 5);
        var view = Tensor.Transpose(backing);
        Ops.Clear(view);
        Assert.All(Flat(backing), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(new[] { 4, 6 }, new[] { 6 })]
    [InlineData(new[] { 2, 3, 5 }, new[] { 1, 5 })]
    [InlineData(new[] { 2, 3, 5 }, new[] { 3, 5 })]
    public void BiasRelu_matches_finite_differences(int[] xShape, int[] biasShape)
    {
        var rng = new Random(2);
        var x = AwayFromZero(rng, xShape);
        var bias = Filled(biasShape, 0);   // x + 0 keeps every pre-activation away from the kink
        var dY = Random(rng, xShape);
        var y = Ops.Relu(Ops.Add(x, bias));
        var intoX = Filled(xShape, 1);
        var intoBias = Filled(biasShape, 1);
        Adjoint.BiasRelu(dY, y, intoX, intoBias);
        double[] expectedX = FiniteDifferences(t => Weighted(Ops.Relu(Ops.Add(t, bias)), dY), x);
        double[] expectedBias = FiniteDifferences(t => Weighted(Ops.Relu(Ops.Add(x, t)), dY), bias);
        for (int i = 0; i < expectedX.Length; i++) expectedX[i] += 1;
        for (int i = 0; i < expectedBias.Length; i++) expectedBias[i] += 1;
        AssertClose(expectedX, Flat(intoX));
        AssertClose(expectedBias, Flat(intoBias));
    }

    [Fact]
    public void BiasRelu_rejects_a_bias_that_is_not_a_row()
    {
        var error = Assert.Throws<ArgumentException>(() => Adjoint.BiasRelu(Filled(new[] { 4, 6 }, 0), Filled(new[] { 4, 6 }, 0), Filled(new[] { 4, 6 }, 0), Filled(new[] { 4, 1 }, 0)));
        Assert.Contains("Adjoint.BiasRelu: intoBias [4, 1] must be the trailing dimensions of dY [4, 6]", error.Message);
    }

    [Fact]
    public void SoftmaxCrossEntropyWithLoss_is_forward_and_backward_in_one_pass()
    {
        var rng = new Random(3);
        var logits = Random(rng, new[] { 5, 7 }, -3, 3);
        int[] targets = { 0, 6, 3, 3, 1 };
        var into = Filled(new[] { 5, 7 }, 1);
        var expectedInto = Filled(new[] { 5, 7 }, 1);
        double loss = Adjoint.SoftmaxCrossEntropyWithLoss(0.5, logits, targets, into);
        Adjoint.SoftmaxCrossEntropy(0.5, logits, targets, expectedInto);
        AssertClose(Ops.SoftmaxCrossEntropy(logits, targets), loss, 1e-12);
        AssertClose(Flat(expectedInto), Flat(into), 1e-12);
        double[] fd = FiniteDifferences(t => 0.5 * Ops.SoftmaxCrossEntropy(t, targets), logits);
        for (int i = 0; i < fd.Length; i++) fd[i] += 1;
        AssertClose(fd, Flat(into));
    }

    /// <summary>One training step of the 784→256→10 MLP, written on the allocation-free entry points.</summary>
    private sealed class MlpStep
    {
        public readonly Tensor<float> X, W1, B1, W2, B2, DW1, DB1, DW2, DB2, H, Logits, DLogits, DH, DT1;
        public readonly int[] Targets;

        public MlpStep(int batch)
        {
            var rng = new Random(4);
            X = ToFloat(Random(rng, new[] { batch, 784 }));
            W1 = ToFloat(Random(rng, new[] { 784, 256 }, -0.05, 0.05));
            B1 = ToFloat(Random(rng, new[] { 256 }, -0.05, 0.05));
            W2 = ToFloat(Random(rng, new[] { 256, 10 }, -0.05, 0.05));
            B2 = ToFloat(Random(rng, new[] { 10 }, -0.05, 0.05));
            Targets = new int[batch];
            for (int i = 0; i < batch; i++) Targets[i] = rng.Next(10);
            (DW1, DB1, DW2, DB2) = (Ops.ZerosLike(W1), Ops.ZerosLike(B1), Ops.ZerosLike(W2), Ops.ZerosLike(B2));
            H = Tensor.Create(new float[batch * 256], new nint[] { batch, 256 });
            DH = Ops.ZerosLike(H);
            DT1 = Ops.ZerosLike(H);
            Logits = Tensor.Create(new float[batch * 10], new nint[] { batch, 10 });
            DLogits = Ops.ZerosLike(Logits);
        }

        public float Run()
        {
            Ops.ZeroGradients(DW1, DB1, DW2, DB2, DH, DT1, DLogits);
            Ops.AddRelu(Ops.MatMul(X, W1, H), B1, H);
            Ops.Add(Ops.MatMul(H, W2, Logits), B2, Logits);
            float loss = Adjoint.SoftmaxCrossEntropyWithLoss(1f, Logits, Targets, DLogits);
            Adjoint.Identity(DLogits, DB2);
            Adjoint.MatMulRight(H, DLogits, DW2);
            Adjoint.MatMulLeft(DLogits, W2, DH);
            Adjoint.BiasRelu(DH, H, DT1, DB1);
            Adjoint.MatMulRight(X, DT1, DW1);
            return loss;
        }
    }

    /// <summary>Runs large products on a background thread until disposed.</summary>
    private sealed class PoolContender : IDisposable
    {
        private volatile bool _stop;
        private readonly System.Threading.Thread _thread;

        public PoolContender()
        {
            var a = Tensor.Create(new float[256 * 256], new nint[] { 256, 256 });
            var c = Tensor.Create(new float[256 * 256], new nint[] { 256, 256 });
            _thread = new System.Threading.Thread(() => { while (!_stop) Ops.MatMul(a, a, c); }) { IsBackground = true };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }

    /// <summary>
    /// The same measurement while another thread keeps the worker pool busy, so that this thread's products sometimes run
    /// every chunk inline (two models training at once, or tests running in parallel).
    /// </summary>
    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    public void A_training_step_allocates_nothing_while_another_thread_contends_for_the_worker_pool(int batch)
    {
        var step = new MlpStep(batch);
        float first = step.Run();
        int differing = 0;
        using var contender = new PoolContender();
        Allocations.NoneOnceWarm(() => differing += step.Run() == first ? 0 : 1);
        Assert.Equal(0, differing);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    public void A_training_step_on_these_entry_points_allocates_nothing_once_warm(int batch)
    {
        var step = new MlpStep(batch);
        float first = step.Run();
        // Several steps, each measured: which thread runs which chunk of a parallel product varies from step to step,
        // and no assignment of chunks to threads may make the calling thread allocate.
        int differing = 0;
        Allocations.NoneOnceWarm(() => differing += step.Run() == first ? 0 : 1);
        Assert.Equal(0, differing);
        float loss = step.Run();

        // The same step on the allocating kernels, rule by rule.
        var t1 = Ops.Add(Ops.MatMul(step.X, step.W1), step.B1);
        var h = Ops.Relu(t1);
        var logits = Ops.Add(Ops.MatMul(h, step.W2), step.B2);
        var dLogits = Ops.ZerosLike(logits);
        Adjoint.SoftmaxCrossEntropy(1f, logits, step.Targets, dLogits);
        var (dW1, dB1, dW2, dB2, dH, dT1) = (Ops.ZerosLike(step.W1), Ops.ZerosLike(step.B1), Ops.ZerosLike(step.W2), Ops.ZerosLike(step.B2), Ops.ZerosLike(h), Ops.ZerosLike(t1));
        Adjoint.Identity(dLogits, dB2);
        Adjoint.MatMulRight(h, dLogits, dW2);
        Adjoint.MatMulLeft(dLogits, step.W2, dH);
        Adjoint.Relu(dH, t1, dT1);
        Adjoint.Identity(dT1, dB1);
        Adjoint.MatMulRight(step.X, dT1, dW1);
        Assert.Equal(Ops.SoftmaxCrossEntropy(logits, step.Targets), loss, 1e-5);
        foreach (var (expected, actual) in new[] { (dW1, step.DW1), (dB1, step.DB1), (dW2, step.DW2), (dB2, step.DB2) })
        {
            float[] e = Flat(expected), a = Flat(actual);
            for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 1e-5);
        }
    }

    [Fact]
    public void A_warm_AdamW_step_allocates_nothing()
    {
        // 40 tensors (the shape check once built two message strings per tensor per step), 2¹⁶ + 40 elements in all: the
        // update can run on the worker pool (with more than one core): both forms are measured.
        var rng = new Random(9);
        var parameters = Enumerable.Range(0, 40).Select(i => ToFloat(Random(rng, i == 0 ? new[] { 256, 256 } : new[] { i }))).ToArray();
        var gradients = parameters.Select(p => ToFloat(Random(rng, Array.ConvertAll(p.Lengths.ToArray(), d => (int)d)))).ToArray();
        var optimizer = new AdamW<float>(parameters, learningRate: 1e-3);
        Allocations.NoneOnceWarm(() =>
        {
            optimizer.Step(gradients);
            optimizer.Step(gradients, parallel: true);
        });
        Assert.True(optimizer.Steps >= 60);
    }
}
