using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>
/// The MLP's training step written by hand on GradGen's allocation-free entry points: intermediates and their gradients
/// live in buffers made once, results are written into them, and the backward uses the fused kernels (bias + ReLU,
/// softmax-cross-entropy with its loss). It allocates nothing per step; the generated accumulate form reaches 0 B too,
/// through a <see cref="GradGen.Workspace"/>, but runs the unfused rules.
/// </summary>
internal sealed class FusedStep
{
    private readonly Tensor<float> _h, _logits, _dLogits, _dH, _dT1;

    public FusedStep(int batch, int hidden, int classes)
    {
        _h = Tensor.Create(new float[batch * hidden], new nint[] { batch, hidden });
        _logits = Tensor.Create(new float[batch * classes], new nint[] { batch, classes });
        _dLogits = Ops.ZerosLike(_logits);
        _dH = Ops.ZerosLike(_h);
        _dT1 = Ops.ZerosLike(_h);
    }

    public float Step(Tensor<float> x, Tensor<float> w1, Tensor<float> b1, Tensor<float> w2, Tensor<float> b2, int[] targets,
                      Tensor<float> dW1, Tensor<float> dB1, Tensor<float> dW2, Tensor<float> dB2)
    {
        Ops.ZeroGradients(dW1, dB1, dW2, dB2, _dLogits, _dH, _dT1);
        // forward: h = ReLU(x·w1 + b1), logits = h·w2 + b2
        Ops.AddRelu(Ops.MatMul(x, w1, _h), b1, _h);
        Ops.Add(Ops.MatMul(_h, w2, _logits), b2, _logits);
        // loss and ∂L/∂logits in one pass
        float loss = Adjoint.SoftmaxCrossEntropyWithLoss(1f, _logits, targets, _dLogits);
        Adjoint.Identity(_dLogits, dB2);
        Adjoint.MatMulRight(_h, _dLogits, dW2);
        Adjoint.MatMulLeft(_dLogits, w2, _dH);
        // ReLU and bias in one pass: ∂L/∂t1 = ∂L/∂h ⊙ 1[h > 0], ∂L/∂b1 = Σ_rows ∂L/∂t1
        Adjoint.BiasRelu(_dH, _h, _dT1, dB1);
        Adjoint.MatMulRight(x, _dT1, dW1);
        return loss;
    }
}
