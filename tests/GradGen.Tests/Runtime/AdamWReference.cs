using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// AdamW.Step's update as it was before it became one pass per element: eleven <c>TensorPrimitives</c> passes over blocks
/// of <see cref="Block"/> elements. The reference AdamWTests holds the new pass to, bit for bit, and the "before" of the
/// benchmark runner <c>--interleaved-adamw</c> (tests/GradGen.Benchmarks links this file).
/// </summary>
internal static class AdamWReference
{
    public const int Block = 4096;

    /// <summary>Step <paramref name="t"/> (from 1) of one parameter p with gradient g and moments m, v; <paramref name="scratch"/> holds at least <see cref="Block"/> elements.</summary>
    public static void BlockWiseStep<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, Span<T> scratch, int t, double lr, double beta1, double beta2, double epsilon, double wd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double correction1 = 1 - Math.Pow(beta1, t), correction2 = 1 - Math.Pow(beta2, t);
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2);
        T oneMinusB1 = T.CreateChecked(1 - beta1), oneMinusB2 = T.CreateChecked(1 - beta2);
        T decay = T.CreateChecked(1 - lr * wd), stepSize = T.CreateChecked(-lr / correction1);
        T inverseCorrection2 = T.CreateChecked(1 / correction2), eps = T.CreateChecked(epsilon);
        for (int start = 0; start < p.Length; start += Block)
        {
            int length = Math.Min(Block, p.Length - start);
            ReadOnlySpan<T> gs = g.Slice(start, length);
            Span<T> ms = m.Slice(start, length), vs = v.Slice(start, length), w = p.Slice(start, length), s = scratch.Slice(0, length);
            TensorPrimitives.Multiply(ms, b1, ms);
            TensorPrimitives.MultiplyAdd(gs, oneMinusB1, ms, ms);       // m ← β₁ m + (1 − β₁) g
            TensorPrimitives.Multiply(gs, gs, s);
            TensorPrimitives.Multiply(vs, b2, vs);
            TensorPrimitives.MultiplyAdd(s, oneMinusB2, vs, vs);        // v ← β₂ v + (1 − β₂) g²
            TensorPrimitives.Multiply(vs, inverseCorrection2, s);
            TensorPrimitives.Sqrt(s, s);
            TensorPrimitives.Add(s, eps, s);                            // √v̂ + ε
            TensorPrimitives.Divide(ms, s, s);                          // m / (√v̂ + ε)
            TensorPrimitives.Multiply(w, decay, w);                     // p − lr λ p
            TensorPrimitives.MultiplyAdd(s, stepSize, w, w);            // − lr m̂ / (√v̂ + ε)
        }
    }
}
