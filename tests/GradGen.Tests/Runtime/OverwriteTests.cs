using System;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Every adjoint kernel planning may call with <c>overwrite: true</c> (a gradient's first contribution) writes exactly what
/// accumulating into zeros gives — bit for bit — whatever the buffer held before, in float and double.
/// </summary>
public class OverwriteTests
{
    private static Tensor<T> Random<T>(Random random, params int[] shape) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var values = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => T.CreateChecked(2 * random.NextDouble() - 1)).ToArray();
        return Tensor.Create(values, shape.Select(s => (nint)s).ToArray());
    }

    /// <summary>Runs a kernel into zeros (accumulating) and into garbage (overwriting): both must agree exactly.</summary>
    private static void Agree<T>(Tensor<T> like, Action<Tensor<T>, bool> kernel) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var accumulated = Ops.ZerosLike(like);
        kernel(accumulated, false);
        var written = Ops.ZerosLike(like);
        var span = Span(written);
        for (var i = 0; i < span.Length; i++) span[i] = T.CreateChecked(1e6 + i); // what an uninitialised buffer may hold
        kernel(written, true);
        Assert.Equal(Span(accumulated).ToArray().Select(Bits), Span(written).ToArray().Select(Bits));
    }

    /// <summary>An element's bits: a negative zero is not a zero here, nor one NaN another.</summary>
    internal static long Bits<T>(T value) => value is float f ? BitConverter.SingleToInt32Bits(f) : BitConverter.DoubleToInt64Bits((double)(object)value!);

    private static Span<T> Span<T>(Tensor<T> t) => System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref t.AsTensorSpan().GetPinnableReference(), (int)t.FlattenedLength);

    public static TheoryData<string> Kernels => new() { "MatMulLeft", "MatMulRight", "MatMulLeftBatched", "MatMulRightBatched", "MatMulRightBroadcast", "MatMulLeftLargeInner", "MatMulRightLargeInner",
        "Identity", "IdentityNegativeZero", "IdentityBroadcast", "Scaled", "ScaledReduced", "ScaledUnderflow", "Fill", "FillNegativeZero", "Mean", "MeanUnderflow", "Multiply", "MultiplyScalarFactor", "MultiplyReduced", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Square", "Gelu", "GeluLarge", "BiasGelu", "BiasGeluLarge", "LayerNorm", "LayerNormNegativeZero", "Reshape", "Transpose", "TransposeAxes", "Permute", "SoftmaxCrossEntropy", "SoftmaxCrossEntropyLarge", "CausalSoftmax",
        "SoftmaxLast", "SoftmaxAxis", "SoftmaxInnerAxis", "LogSoftmax", "LogSoftmaxInnerAxis", "LogSoftmaxNegativeZero", "SumAxis", "SumInnerAxis", "SumAxisNegativeZero", "MeanAxis",
        "DivideNumerator", "DivideNumeratorScalar", "DivideNumeratorReduced", "DivideDenominator", "DivideDenominatorReduced",
        "Slice", "SliceNegativeZero", "SliceTiled", "SliceTiledShort", "Split", "SplitNullPart" };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Float(string kernel) => Check<float>(kernel);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Double(string kernel) => Check<double>(kernel);

    private static void Check<T>(string kernel) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var r = new Random(kernel.Length * 7919 + typeof(T).Name.Length);
        var x = Random<T>(r, 3, 5, 7);
        var positive = Ops.Exp(x);
        var g = Random<T>(r, 3, 5, 7);
        switch (kernel)
        {
            case "MatMulLeft": { var dY = Random<T>(r, 2, 8, 40); var w = Random<T>(r, 16, 40); Agree(Random<T>(r, 2, 8, 16), (into, o) => Adjoint.MatMulLeft(dY, w, into, o)); break; }
            case "MatMulRight": { var a = Random<T>(r, 2, 8, 16); var dY = Random<T>(r, 2, 8, 40); Agree(Random<T>(r, 16, 40), (into, o) => Adjoint.MatMulRight(a, dY, into, o)); break; }
            case "MatMulLeftBatched": { var dY = Random<T>(r, 2, 3, 8, 8); var b = Random<T>(r, 2, 3, 5, 8); Agree(Random<T>(r, 2, 3, 8, 5), (into, o) => Adjoint.MatMulLeft(dY, b, into, o)); break; }
            case "MatMulRightBatched": { var a = Random<T>(r, 2, 3, 8, 5); var dY = Random<T>(r, 2, 3, 8, 8); Agree(Random<T>(r, 2, 3, 5, 8), (into, o) => Adjoint.MatMulRight(a, dY, into, o)); break; }
            case "MatMulRightBroadcast": { var a = Random<T>(r, 2, 3, 8, 5); var dY = Random<T>(r, 2, 3, 8, 8); Agree(Random<T>(r, 1, 3, 5, 8), (into, o) => Adjoint.MatMulRight(a, dY, into, o)); break; }
            case "MatMulLeftLargeInner": { var dY = Random<T>(r, 9, 700); var w = Random<T>(r, 11, 700); Agree(Random<T>(r, 9, 11), (into, o) => Adjoint.MatMulLeft(dY, w, into, o)); break; }
            case "MatMulRightLargeInner": { var a = Random<T>(r, 600, 13); var dY = Random<T>(r, 600, 17); Agree(Random<T>(r, 13, 17), (into, o) => Adjoint.MatMulRight(a, dY, into, o)); break; }
            case "Identity": Agree(x, (into, o) => Adjoint.Identity(g, into, o)); break;
            // A −0 in ∂L/∂y, which adding into zeros makes +0 (a copy would keep it −0).
            case "IdentityNegativeZero": { var dY = Random<T>(r, 3, 5, 7); Span(dY)[4] = T.NegativeZero; Agree(x, (into, o) => Adjoint.Identity(dY, into, o)); break; }
            case "Scaled": Agree(x, (into, o) => Adjoint.Scaled(g, T.CreateChecked(-2.5), into, o)); break;
            case "ScaledReduced": Agree(Random<T>(r, 7), (into, o) => Adjoint.Scaled(g, T.CreateChecked(0.75), into, o)); break;
            // Products that underflow: negative ones round to −0, which adding into zeros (multiply, then add) makes +0.
            case "ScaledUnderflow": { var tiny = Ops.Multiply(g, T.Epsilon); Agree(x, (into, o) => Adjoint.Scaled(tiny, T.CreateChecked(0.25), into, o)); break; }
            case "IdentityBroadcast": Agree(Random<T>(r, 5, 1), (into, o) => Adjoint.Identity(g, into, o)); break;
            case "Relu": Agree(x, (into, o) => Adjoint.Relu(g, x, into, o)); break;
            case "Sigmoid": Agree(x, (into, o) => Adjoint.Sigmoid(g, x, into, o)); break;
            case "Tanh": Agree(x, (into, o) => Adjoint.Tanh(g, x, into, o)); break;
            case "Exp": Agree(x, (into, o) => Adjoint.Exp(g, x, into, o)); break;
            case "Log": Agree(x, (into, o) => Adjoint.Log(g, positive, into, o)); break;
            case "Sqrt": Agree(x, (into, o) => Adjoint.Sqrt(g, positive, into, o)); break;
            case "Square": Agree(x, (into, o) => Adjoint.Square(g, x, into, o)); break;
            case "Gelu": { var big = Random<T>(r, 3, 4000); var dBig = Random<T>(r, 3, 4000); Agree(big, (into, o) => Adjoint.Gelu(dBig, big, into, o)); break; }
            case "GeluLarge": { var big = Random<T>(r, 5, 9000); var dBig = Random<T>(r, 5, 9000); Agree(big, (into, o) => Adjoint.Gelu(dBig, big, into, o)); break; }
            case "BiasGelu": { var b = Random<T>(r, 7); Agree(x, (into, o) => Adjoint.BiasGelu(g, x, b, into, null, o)); break; }
            case "BiasGeluLarge": { var big = Random<T>(r, 90, 513); var dBig = Random<T>(r, 90, 513); var b = Random<T>(r, 513); Agree(big, (into, o) => Adjoint.BiasGelu(dBig, big, b, into, Ops.ZerosLike(b), o)); break; }
            case "Fill": Agree(x, (into, o) => Adjoint.Fill(T.CreateChecked(-0.375), into, o)); break;
            // ∂L/∂s = −0, which adding into zeros makes +0.
            case "FillNegativeZero": Agree(x, (into, o) => Adjoint.Fill(T.NegativeZero, into, o)); break;
            case "Mean": Agree(x, (into, o) => Adjoint.Mean(T.CreateChecked(-0.375), into, o)); break;
            // A negative ∂L/∂s so small that ∂L/∂s / n underflows to −0, which adding into zeros makes +0.
            case "MeanUnderflow": Agree(x, (into, o) => Adjoint.Mean(-T.Epsilon, into, o)); break;
            // The Hadamard rule: same shapes (with −0 products: a zero of ∂L/∂y times a negative factor), a one-element
            // factor, and a broadcast operand whose gradient is reduced.
            case "Multiply":
            {
                var dY = Random<T>(r, 3, 5, 7);
                Span(dY).Slice(0, 20).Fill(T.Zero);
                Agree(x, (into, o) => Adjoint.Multiply(dY, x, into, o));
                break;
            }
            case "MultiplyScalarFactor": { var one = Random<T>(r, 1); Agree(x, (into, o) => Adjoint.Multiply(g, one, into, o)); break; }
            case "MultiplyReduced": { var row = Random<T>(r, 7); Agree(row, (into, o) => Adjoint.Multiply(g, x, into, o)); break; }
            case "LayerNorm": { var dY = Random<T>(r, 9, 37); var x37 = Random<T>(r, 9, 37); var w = Random<T>(r, 37); Agree(x37, (into, o) => Adjoint.LayerNorm(dY, x37, w, T.CreateChecked(1e-5), into, Ops.ZerosLike(w), null, o)); break; }
            // Rows over both cores; one row's ∂L/∂y all −0: its terms are −0 where x̂ > 0, which adding into zeros makes +0.
            case "LayerNormNegativeZero":
            {
                var dY = Random<T>(r, 300, 130); var big = Random<T>(r, 300, 130); var w = Random<T>(r, 130);
                Span(dY).Slice(130, 130).Fill(T.NegativeZero);
                Agree(big, (into, o) => Adjoint.LayerNorm(dY, big, w, T.CreateChecked(1e-5), into, null, null, o));
                break;
            }
            case "Reshape": Agree(Random<T>(r, 15, 7), (into, o) => Adjoint.Reshape(g, into, o)); break;
            case "Transpose": { var dY = Random<T>(r, 7, 5); Agree(Random<T>(r, 5, 7), (into, o) => Adjoint.Transpose(dY, into, o)); break; }
            case "TransposeAxes": Agree(Random<T>(r, 3, 7, 5), (into, o) => Adjoint.TransposeAxes(g, 1, 2, into, o)); break;
            case "Permute": Agree(Random<T>(r, 7, 3, 5), (into, o) => Adjoint.Permute(g, [1, 2, 0], into, o)); break;
            case "SoftmaxCrossEntropy": { var z = Random<T>(r, 6, 9); int[] targets = [0, 8, 3, 3, 1, 7]; Agree(z, (into, o) => Adjoint.SoftmaxCrossEntropy(T.One, z, targets, into, o)); break; }
            // Rows over both cores, a partial vector per row, and a seed so small and negative that e · (seed / N / Σ)
            // underflows for the small probabilities: where the added form computes 0 + (−0) = +0 (the scalar tail), the
            // written form must store +0 too, not the product's −0.
            case "SoftmaxCrossEntropyLarge": { var z = Ops.Multiply(Random<T>(r, 300, 203), T.CreateChecked(40)); int[] targets = Enumerable.Range(0, 300).Select(i => i * 7 % 203).ToArray(); T seed = T.CreateChecked(typeof(T) == typeof(float) ? -1e-30 : -1e-300); Agree(Random<T>(r, 300, 203), (into, o) => Adjoint.SoftmaxCrossEntropy(seed, z, targets, into, o)); break; }
            case "CausalSoftmax": { var y = Ops.CausalSoftmax(Random<T>(r, 2, 3, 37, 37), T.CreateChecked(0.4)); var dY = Random<T>(r, 2, 3, 37, 37); Agree(y, (into, o) => Adjoint.CausalSoftmax(dY, y, T.CreateChecked(0.4), into, o)); break; }
            // The lane kernels: the last axis (contiguous lanes) and an inner axis (gathered lanes).
            case "SoftmaxLast": { var y = Ops.Softmax(x); Agree(y, (into, o) => Adjoint.Softmax(g, y, into, o)); break; }
            case "SoftmaxAxis": { var y = Ops.Softmax(x, 2); Agree(y, (into, o) => Adjoint.Softmax(g, y, 2, into, o)); break; }
            case "SoftmaxInnerAxis": { var y = Ops.Softmax(x, 1); Agree(y, (into, o) => Adjoint.Softmax(g, y, 1, into, o)); break; }
            case "LogSoftmax": { var y = Ops.LogSoftmax(x, -1); Agree(y, (into, o) => Adjoint.LogSoftmax(g, y, -1, into, o)); break; }
            case "LogSoftmaxInnerAxis": { var y = Ops.LogSoftmax(x, 0); Agree(y, (into, o) => Adjoint.LogSoftmax(g, y, 0, into, o)); break; }
            // A lane whose ∂L/∂y is all −0: its terms are −0, which adding into zeros makes +0.
            case "LogSoftmaxNegativeZero": { var y = Ops.LogSoftmax(x, -1); var dY = Random<T>(r, 3, 5, 7); Span(dY).Slice(7, 7).Fill(T.NegativeZero); Agree(y, (into, o) => Adjoint.LogSoftmax(dY, y, -1, into, o)); break; }
            case "SumAxis": { var dY = Random<T>(r, 3, 5); Agree(x, (into, o) => Adjoint.Sum(dY, 2, into, o)); break; }
            case "SumInnerAxis": { var dY = Random<T>(r, 3, 1, 7); Agree(x, (into, o) => Adjoint.Sum(dY, 1, into, o)); break; }
            case "SumAxisNegativeZero": { var dY = Random<T>(r, 3, 5); Span(dY).Slice(2, 6).Fill(T.NegativeZero); Agree(x, (into, o) => Adjoint.Sum(dY, 2, into, o)); break; }
            case "MeanAxis": { var dY = Random<T>(r, 5, 7); Agree(x, (into, o) => Adjoint.Mean(dY, 0, into, o)); break; }
            // Same shapes (one pass), a one-element denominator, and a numerator broadcast along rows (its gradient reduced).
            case "DivideNumerator": { var dY = Random<T>(r, 3, 5, 7); Span(dY).Slice(0, 9).Fill(T.Zero); Agree(x, (into, o) => Adjoint.DivideNumerator(dY, Ops.Negate(positive), into, o)); break; }
            case "DivideNumeratorScalar": { var b = Ops.Exp(Random<T>(r, 1)); Agree(x, (into, o) => Adjoint.DivideNumerator(g, b, into, o)); break; }
            case "DivideNumeratorReduced": Agree(Random<T>(r, 5, 1), (into, o) => Adjoint.DivideNumerator(g, positive, into, o)); break;
            case "DivideDenominator": { var y = Ops.Divide(x, positive); Agree(positive, (into, o) => Adjoint.DivideDenominator(g, y, positive, into, o)); break; }
            case "DivideDenominatorReduced": { var b = Ops.Exp(Random<T>(r, 7)); var y = Ops.Divide(x, b); Agree(b, (into, o) => Adjoint.DivideDenominator(g, y, b, into, o)); break; }
            // A slice's first write: its range written (a −0 of ∂L/∂y made +0), the rest of the axis zeroed, inner and outer blocks.
            case "Slice": { var dY = Random<T>(r, 3, 2, 7); Agree(x, (into, o) => Adjoint.Slice(dY, 1, 2, into, o)); break; }
            case "SliceNegativeZero": { var dY = Random<T>(r, 3, 5, 3); Span(dY).Slice(0, 12).Fill(T.NegativeZero); Agree(x, (into, o) => Adjoint.Slice(dY, -1, 4, into, o)); break; }
            // Slices tiling the last axis [0, 7) ([0, 2), [2, 5), [5, 7)), and [0, 5) of it (the last also zeroing after it):
            // each written only over its range, the last clearing after — what adding them all into zeros gives.
            case "SliceTiled":
            case "SliceTiledShort":
            {
                int end = kernel == "SliceTiled" ? 7 : 5;
                (int Start, int Length)[] ranges = end == 7 ? [(0, 2), (2, 3), (5, 2)] : [(0, 2), (2, 3)];
                var parts = ranges.Select(p => (p.Start, Part: Random<T>(r, 3, 5, p.Length))).ToArray();
                Span(parts[0].Part)[1] = T.NegativeZero;
                Agree(x, (into, o) =>
                {
                    for (int p = parts.Length - 1; p >= 0; p--)
                    {
                        Adjoint.Slice(parts[p].Part, 2, parts[p].Start, into, o, onlySlice: o, clearAfter: o && p == parts.Length - 1);
                    }
                });
                break;
            }
            // Split's parts joined back: every part (one with −0s), and a part that received no gradient (its range zeroed).
            case "Split":
            case "SplitNullPart":
            {
                var parts = new Tensor<T>?[] { Random<T>(r, 3, 5, 7), Random<T>(r, 3, 5, 7), Random<T>(r, 3, 5, 7) };
                Span(parts[0]!).Slice(3, 9).Fill(T.NegativeZero);
                if (kernel == "SplitNullPart") parts[1] = null;
                Agree(Random<T>(r, 3, 15, 7), (into, o) => Adjoint.Split(parts, 1, into, o));
                break;
            }
            default: throw new ArgumentException(kernel);
        }
    }
}

/// <summary>
/// <c>Ops.MatMulBias</c> is bit for bit <c>Ops.Add(Ops.MatMul(a, b), bias)</c>, and <c>Ops.MatMulBiasRelu</c> bit for bit
/// <c>Ops.Relu</c> of that — for a row bias (added, and the ReLU applied, in the product's store: one block of inner indices
/// or several, partial tiles, one core or both) and for any other bias that broadcasts (the unfused path), in float and
/// double. The inputs include negative zeros and the bias a NaN, whose results must match bit for bit too.
/// </summary>
public class MatMulBiasTests
{
    public static TheoryData<int[], int[], int[]> Shapes => new()
    {
        { new[] { 4, 3 }, new[] { 3, 5 }, new[] { 5 } },
        { new[] { 2, 4, 3 }, new[] { 3, 5 }, new[] { 5 } },
        { new[] { 4, 0 }, new[] { 0, 5 }, new[] { 5 } },                // no inner index: the bias alone
        { new[] { 300, 520 }, new[] { 520, 37 }, new[] { 37 } },        // two blocks of inner indices, a partial panel, both cores
        { new[] { 2, 130, 64 }, new[] { 64, 256 }, new[] { 256 } },     // batch folded into rows, split by columns
        { new[] { 4, 3 }, new[] { 3, 5 }, new[] { 1 } },
        { new[] { 4, 3 }, new[] { 3, 5 }, new[] { 4, 1 } },
        { new[] { 2, 4, 3 }, new[] { 2, 3, 5 }, new[] { 5 } },          // a batched b: the product, then the pass
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float(int[] a, int[] b, int[] bias) => Check<float>(a, b, bias);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double(int[] a, int[] b, int[] bias) => Check<double>(a, b, bias);

    private static void Check<T>(int[] a, int[] b, int[] bias) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var r = new Random(a.Sum() + b.Sum() * 3 + bias.Sum());
        Tensor<T> R(int[] s, bool nan)
        {
            var values = Enumerable.Range(0, s.Aggregate(1, (x, y) => x * y)).Select(i => i % 11 == 3 ? -T.Zero : T.CreateChecked(r.NextDouble() - 0.5)).ToArray();
            if (nan && values.Length > 2) values[2] = T.NaN;
            return Tensor.Create(values, s.Select(n => (nint)n).ToArray());
        }
        var (ta, tb, tbias) = (R(a, false), R(b, false), R(bias, true));
        Same(() => Ops.Add(Ops.MatMul(ta, tb), tbias), () => Ops.MatMulBias(ta, tb, tbias));
        Same(() => Ops.Relu(Ops.Add(Ops.MatMul(ta, tb), tbias)), () => Ops.MatMulBiasRelu(ta, tb, tbias));
        // The operator form refuses what System.Numerics.Tensors' + gets wrong ([4, 5] + [4, 1]), as OperatorAdd does.
        Same(() => Ops.OperatorAdd(Ops.MatMul(ta, tb), tbias), () => Ops.OperatorMatMulBias(ta, tb, tbias));
        Same(() => Ops.Relu(Ops.OperatorAdd(Ops.MatMul(ta, tb), tbias)), () => Ops.OperatorMatMulBiasRelu(ta, tb, tbias));
    }

    private static void Same<T>(Func<Tensor<T>> unfused, Func<Tensor<T>> fused) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        Tensor<T> expected;
        try { expected = unfused(); }
        catch (ArgumentException) { Assert.Throws<ArgumentException>(() => fused()); return; }
        var actual = fused();
        Assert.Equal(expected.Lengths.ToArray(), actual.Lengths.ToArray());
        // Bit for bit: a negative zero or a NaN's payload counts.
        Assert.Equal(expected.ToArray().Select(OverwriteTests.Bits), actual.ToArray().Select(OverwriteTests.Bits));
    }
}

/// <summary>
/// <c>Ops.BiasGelu</c> is bit for bit <c>Ops.Gelu(Ops.Add(x, bias))</c>, and <c>Adjoint.BiasGelu</c> bit for bit the unfused
/// adjoints (<c>Adjoint.Gelu</c> of the sum into zeros, then that gradient passed to x and summed over rows into the bias) —
/// for a row bias (fused, over both cores at the larger sizes) and for any other bias that broadcasts (the unfused path), in
/// float and double.
/// </summary>
public class BiasGeluTests
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { new[] { 4, 5 }, new[] { 5 } },
        { new[] { 2, 3, 17 }, new[] { 17 } },
        { new[] { 256, 512 }, new[] { 512 } },
        { new[] { 2, 40, 515 }, new[] { 515 } },
        { new[] { 4, 5 }, new[] { 1 } },
        { new[] { 4, 5 }, new[] { 4, 1 } },
        { new[] { 4, 5 }, new[] { 4, 5 } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float(int[] x, int[] bias) => Check<float>(x, bias);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double(int[] x, int[] bias) => Check<double>(x, bias);

    private static void Check<T>(int[] xShape, int[] biasShape) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var r = new Random(xShape.Sum() * 31 + biasShape.Sum() + typeof(T).Name.Length);
        Tensor<T> R(int[] s, double scale) => Tensor.Create(Enumerable.Range(0, s.Aggregate(1, (a, b) => a * b)).Select(_ => T.CreateChecked(scale * (2 * r.NextDouble() - 1))).ToArray(), s.Select(n => (nint)n).ToArray());
        var (x, bias) = (R(xShape, 4), R(biasShape, 1));
        var pre = Ops.Add(x, bias);
        var y = Ops.Gelu(pre);
        Assert.Equal(y.ToArray(), Ops.BiasGelu(x, bias).ToArray());
        Assert.Equal(y.Lengths.ToArray(), Ops.BiasGelu(x, bias).Lengths.ToArray());
        // The operator form refuses what System.Numerics.Tensors' + gets wrong, as OperatorAdd does.
        Tensor<T>? byOperator = null;
        try { byOperator = Ops.Gelu(Ops.OperatorAdd(x, bias)); }
        catch (ArgumentException) { Assert.Throws<ArgumentException>(() => Ops.OperatorBiasGelu(x, bias)); }
        if (byOperator is not null) Assert.Equal(byOperator.ToArray(), Ops.OperatorBiasGelu(x, bias).ToArray());

        // The unfused adjoints: ĝ into zeros, then ĝ into x̄ and into b̄ (summed over what the bias broadcast over).
        var dY = R(y.Lengths.ToArray().Select(n => (int)n).ToArray(), 1);
        var masked = Ops.ZerosLike(pre);
        Adjoint.Gelu(dY, pre, masked);
        var startX = R(xShape, 1);
        var startB = R(biasShape, 1);
        var wantX = Ops.Add(startX, Ops.ZerosLike(startX));
        var wantB = Ops.Add(startB, Ops.ZerosLike(startB));
        Adjoint.Identity(masked, wantX);
        Adjoint.Identity(masked, wantB);

        var intoX = Ops.Add(startX, Ops.ZerosLike(startX));
        var intoB = Ops.Add(startB, Ops.ZerosLike(startB));
        Adjoint.BiasGelu(dY, x, bias, intoX, intoB);
        Assert.Equal(wantX.ToArray(), intoX.ToArray());
        Assert.Equal(wantB.ToArray(), intoB.ToArray());

        // Written x̄ (a first contribution): the same as adding into zeros; b̄ still added to. Either target alone.
        var zerosX = Ops.ZerosLike(x);
        Adjoint.Identity(masked, zerosX);
        var writtenX = Ops.Add(startX, Ops.ZerosLike(startX));
        intoB = Ops.Add(startB, Ops.ZerosLike(startB));
        Adjoint.BiasGelu(dY, x, bias, writtenX, intoB, overwrite: true);
        Assert.Equal(zerosX.ToArray(), writtenX.ToArray());
        Assert.Equal(wantB.ToArray(), intoB.ToArray());
        intoB = Ops.Add(startB, Ops.ZerosLike(startB));
        Adjoint.BiasGelu(dY, x, bias, null, intoB);
        Assert.Equal(wantB.ToArray(), intoB.ToArray());
    }
}

/// <summary>
/// The element-wise adjoints (ReLU, σ, tanh, eˣ, ln, √, x²) share their blocks out over the cores from
/// <see cref="ParallelElementwise.MinLength"/> elements on: the result must be bit for bit what the one-thread path gives on
/// the same elements (each computed alone, below the threshold), added to what the buffer held or written over garbage.
/// </summary>
public class ElementwiseAdjointParallelTests
{
    public static TheoryData<string> Kernels => new() { "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Square" };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Float(string kernel) => Check<float>(kernel);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Double(string kernel) => Check<double>(kernel);

    private static void Run<T>(string kernel, Tensor<T> dY, Tensor<T> operand, Tensor<T> into, bool overwrite) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        switch (kernel)
        {
            case "Relu": Adjoint.Relu(dY, operand, into, overwrite); break;
            case "Sigmoid": Adjoint.Sigmoid(dY, operand, into, overwrite); break;
            case "Tanh": Adjoint.Tanh(dY, operand, into, overwrite); break;
            case "Exp": Adjoint.Exp(dY, operand, into, overwrite); break;
            case "Log": Adjoint.Log(dY, operand, into, overwrite); break;
            case "Sqrt": Adjoint.Sqrt(dY, operand, into, overwrite); break;
            default: Adjoint.Square(dY, operand, into, overwrite); break;
        }
    }

    private static void Check<T>(string kernel) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        const int n = 70_001, piece = 10_000; // above the threshold whole; each piece below it (one thread)
        Assert.True(n >= ParallelElementwise.MinLength && piece < ParallelElementwise.MinLength);
        var r = new Random(kernel.Length * 31 + typeof(T).Name.Length);
        T[] Values(double low, double high) => Enumerable.Range(0, n).Select(_ => T.CreateChecked(low + (high - low) * r.NextDouble())).ToArray();
        T[] g = Values(-1, 1), operand = kernel is "Log" or "Sqrt" ? Values(0.1, 3) : Values(-2, 2), start = Values(-1, 1);
        Tensor<T> Of(T[] values, int from, int count) => Tensor.Create(values.AsSpan(from, count).ToArray(), [(nint)count]);

        var added = Of(start, 0, n);
        Run(kernel, Of(g, 0, n), Of(operand, 0, n), added, overwrite: false);
        var written = Of(Enumerable.Repeat(T.CreateChecked(1e6), n).ToArray(), 0, n);
        Run(kernel, Of(g, 0, n), Of(operand, 0, n), written, overwrite: true);

        var wantAdded = new T[n];
        var wantWritten = new T[n];
        for (var from = 0; from < n; from += piece)
        {
            int count = Math.Min(piece, n - from);
            var a = Of(start, from, count);
            Run(kernel, Of(g, from, count), Of(operand, from, count), a, overwrite: false);
            a.FlattenTo(wantAdded.AsSpan(from, count));
            var w = Of(new T[count], 0, count);
            Run(kernel, Of(g, from, count), Of(operand, from, count), w, overwrite: true);
            w.FlattenTo(wantWritten.AsSpan(from, count));
        }
        var gotAdded = new T[n];
        var gotWritten = new T[n];
        added.FlattenTo(gotAdded);
        written.FlattenTo(gotWritten);
        Assert.Equal(wantAdded, gotAdded);
        Assert.Equal(wantWritten, gotWritten);
    }
}
