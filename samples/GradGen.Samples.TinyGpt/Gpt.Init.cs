using System;
using System.Numerics.Tensors;

namespace GradGen.Samples.TinyGpt;

public sealed partial class Gpt
{
    /// <summary>
    /// GPT-2's initialisation: every matrix and embedding normal with standard deviation 0.02 (the residual projections
    /// Wproj and Wfcproj scaled by 1/√(2L)), biases 0, layer-norm weights 1.
    /// </summary>
    public static Gpt Create(Random random, int V, int maxT, int C, int NH, int L)
    {
        var model = new Gpt(V, maxT, C, NH, L);
        float residual = 0.02f / MathF.Sqrt(2 * L);
        Normal(random, model.Wte, 0.02f);
        Normal(random, model.Wpe, 0.02f);
        foreach (var block in model.Blocks)
        {
            block.Ln1W.Fill(1); block.Ln2W.Fill(1);
            Normal(random, block.Wqkv, 0.02f);
            Normal(random, block.Wproj, residual);
            Normal(random, block.Wfc, 0.02f);
            Normal(random, block.Wfcproj, residual);
        }
        model.LnfW.Fill(1);
        return model;
    }

    private static void Normal(Random random, Tensor<float> tensor, float std)
    {
        var values = Ops.AsSpan(tensor);
        for (var i = 0; i < values.Length; i++)
        {
            var u1 = 1.0 - random.NextDouble();                                      // Box–Muller
            var u2 = random.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }
}
