using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Samples.Mlp;

/// <summary>A two-layer perceptron with a softmax-cross-entropy loss. GradGen generates <c>LossBackward</c>.</summary>
public static partial class Mlp
{
    // [Shape] lets the analyzer check, while you type, that the shapes agree: B rows of D features, H hidden units, K classes.
    [Differentiable]
    public static float Loss([Shape("B, D")] Tensor<float> x, [Shape("D, H")] Tensor<float> w1, [Shape("H")] Tensor<float> b1,
                             [Shape("H, K")] Tensor<float> w2, [Shape("K")] Tensor<float> b2, int[] targets)
    {
        var h = Ops.Relu(Ops.MatMul(x, w1) + b1);      // b1 broadcasts over rows
        var logits = Ops.MatMul(h, w2) + b2;
        return Ops.SoftmaxCrossEntropy(logits, targets); // mean over rows
    }

    /// <summary>The predicted class of every row of <paramref name="x"/>.</summary>
    public static int[] Predict(Tensor<float> x, Tensor<float> w1, Tensor<float> b1, Tensor<float> w2, Tensor<float> b2)
    {
        var logits = Ops.MatMul(Ops.Relu(Ops.MatMul(x, w1) + b1), w2) + b2;
        var rows = (int)logits.Lengths[0];
        var classes = (int)logits.Lengths[1];
        var predictions = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (logits[i, c] > logits[i, best]) best = c;
            }
            predictions[i] = best;
        }
        return predictions;
    }
}
