using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Backward kernels: for each primitive in <see cref="Ops"/>, the vector-Jacobian product that the generated
/// <c>Backward</c> methods call.
/// </summary>
/// <remarks>
/// <para>Naming: <c>dY</c> is the upstream gradient ∂L/∂Y, shaped like the op's result Y. <c>into</c> is the gradient
/// buffer of one operand, shaped like that operand; it must be dense (not a strided view), and every kernel
/// <b>accumulates</b> into it (<c>into += …</c>) so that an operand used several times collects every contribution.</para>
/// <para>Broadcasting: when an operand was broadcast to reach Y's shape, its gradient is <c>reduce(·)</c>: the sum over the
/// dimensions along which it was stretched (leading missing dimensions are summed away, size-1 dimensions are
/// summed keeping size 1), so the result has <c>into</c>'s shape.</para>
/// <para>Other inputs may be strided views. Inconsistent shapes throw <see cref="ArgumentException"/> naming the kernel
/// and the shapes; null tensors throw <see cref="ArgumentNullException"/>.</para>
/// </remarks>
public static class Adjoint
{
    /// <summary>Elements processed per block by kernels that need a temporary (keeps it cache-resident).</summary>
    private const int Block = 4096;

    // ── broadcast arithmetic ────────────────────────────────────────────────────────────────

    /// <summary>into += reduce(dY). The gradient of either operand of <c>a + b</c>, and of <c>a</c> in <c>a − b</c>.</summary>
    public static void Identity<T>(Tensor<T> dY, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Accumulate("Adjoint.Identity", dY, T.One, into);

    /// <summary>
    /// reduce(dY) as a new gradient buffer shaped like <paramref name="like"/> — or <paramref name="dY"/> itself when the
    /// shapes are equal and it is dense, so a gradient that flows through unchanged (the operands of <c>a + b</c>) costs
    /// no allocation and no copy. Generated code uses it only for a first contribution, and only when it owns
    /// <paramref name="dY"/> and never reads it again: the returned buffer may later be accumulated into.
    /// </summary>
    public static Tensor<T> Reduce<T>(Tensor<T> dY, Tensor<T> like) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(like);
        if (dY.IsDense && dY.Lengths.SequenceEqual(like.Lengths)) return dY;
        var into = Ops.ZerosLike(like);
        Identity(dY, into);
        return into;
    }

    /// <summary>into += scale · reduce(dY). E.g. <c>b</c> in <c>a − b</c> (scale −1), or <c>a</c> in <c>a · s</c> for a scalar s.</summary>
    public static void Scaled<T>(Tensor<T> dY, T scale, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Accumulate("Adjoint.Scaled", dY, scale, into);

    /// <summary>
    /// into += reduce(dY ⊙ other), with <paramref name="other"/> broadcast to dY's shape: the Hadamard rule, for
    /// y = a ⊙ b, ā += reduce(ȳ ⊙ b) and b̄ += reduce(ȳ ⊙ a).
    /// </summary>
    public static void Multiply<T>(Tensor<T> dY, Tensor<T> other, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Multiply";
        ValidateBroadcastOperands(Kernel, dY, other, nameof(other), into);
        ReadOnlySpan<T> g = Dense.Read(dY), o = Dense.Read(other);
        Span<T> target = Dense.Target(Kernel, into);
        if (target.Length == g.Length && (o.Length == g.Length || o.Length == 1))
        {
            // Neither into nor dY needs reducing: one fused pass.
            if (o.Length == g.Length) TensorPrimitives.MultiplyAdd(g, o, target, target);
            else TensorPrimitives.MultiplyAdd(g, o[0], target, target);
            return;
        }
        if (target.Length == 1)
        {
            target[0] += Broadcasting.Dot(g, dY.Lengths, o, other.Lengths);
            return;
        }
        using var product = Scratch<T>.Rent(g.Length);
        Broadcasting.Binary<T, MultiplyOp<T>>(g, dY.Lengths, o, other.Lengths, product.Span, dY.Lengths);
        Broadcasting.AccumulateReduced<T>(product.Span, dY.Lengths, target, into.Lengths, T.One);
    }

    /// <summary>For y = a ⊘ b: into (ā) += reduce(dY ⊘ b), with <paramref name="denominator"/> b broadcast to dY's shape.</summary>
    public static void DivideNumerator<T>(Tensor<T> dY, Tensor<T> denominator, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.DivideNumerator";
        ValidateBroadcastOperands(Kernel, dY, denominator, nameof(denominator), into);
        ReadOnlySpan<T> g = Dense.Read(dY), b = Dense.Read(denominator);
        Span<T> target = Dense.Target(Kernel, into);
        if (b.Length == 1)
        {
            Broadcasting.AccumulateReduced(g, dY.Lengths, target, into.Lengths, T.One / b[0]);
            return;
        }
        using var quotient = Scratch<T>.Rent(g.Length);
        Broadcasting.Binary<T, DivideOp<T>>(g, dY.Lengths, b, denominator.Lengths, quotient.Span, dY.Lengths);
        Broadcasting.AccumulateReduced<T>(quotient.Span, dY.Lengths, target, into.Lengths, T.One);
    }

    /// <summary>
    /// For y = a ⊘ b: into (b̄) += reduce(−dY ⊙ y ⊘ b), where <paramref name="quotient"/> is the forward result y
    /// (dY's shape) and <paramref name="denominator"/> b is broadcast to dY's shape.
    /// </summary>
    public static void DivideDenominator<T>(Tensor<T> dY, Tensor<T> quotient, Tensor<T> denominator, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.DivideDenominator";
        ArgumentNullException.ThrowIfNull(quotient);
        ValidateBroadcastOperands(Kernel, dY, denominator, nameof(denominator), into);
        TensorShape.RequireSameShape(Kernel, nameof(dY), dY.Lengths, nameof(quotient), quotient.Lengths);
        ReadOnlySpan<T> g = Dense.Read(dY), y = Dense.Read(quotient), b = Dense.Read(denominator);
        Span<T> target = Dense.Target(Kernel, into);
        using var term = Scratch<T>.Rent(g.Length);
        TensorPrimitives.Multiply(g, y, term.Span);
        Broadcasting.Binary<T, DivideOp<T>>(term.Span, dY.Lengths, b, denominator.Lengths, term.Span, dY.Lengths);
        Broadcasting.AccumulateReduced<T>(term.Span, dY.Lengths, target, into.Lengths, -T.One);
    }

    /// <summary>Σ dY ⊙ x, with <paramref name="x"/> broadcast to dY's shape: the gradient of a scalar factor s in s · x.</summary>
    public static T Dot<T>(Tensor<T> dY, Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(x);
        TensorShape.RequireBroadcastsTo("Adjoint.Dot", nameof(x), x.Lengths, nameof(dY), dY.Lengths);
        return Broadcasting.Dot(Dense.Read(dY), dY.Lengths, Dense.Read(x), x.Lengths);
    }

    /// <summary>Σ dY ⊘ b, with <paramref name="denominator"/> b broadcast to dY's shape: the gradient of a scalar numerator s in s ⊘ b.</summary>
    public static T SumDivide<T>(Tensor<T> dY, Tensor<T> denominator) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(denominator);
        TensorShape.RequireBroadcastsTo("Adjoint.SumDivide", nameof(denominator), denominator.Lengths, nameof(dY), dY.Lengths);
        ReadOnlySpan<T> g = Dense.Read(dY), b = Dense.Read(denominator);
        if (b.Length == 1) return TensorPrimitives.Sum(g) / b[0];
        using var quotient = Scratch<T>.Rent(g.Length);
        Broadcasting.Binary<T, DivideOp<T>>(g, dY.Lengths, b, denominator.Lengths, quotient.Span, dY.Lengths);
        return TensorPrimitives.Sum<T>(quotient.Span);
    }

    // ── matrices ────────────────────────────────────────────────────────────────────────────

    /// <summary>For Y = A·B with A [M, K], B [K, N]: into (Ā, [M, K]) += dY · Bᵀ. Bᵀ is never materialised.</summary>
    public static void MatMulLeft<T>(Tensor<T> dY, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulLeft";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(into);
        if (dY.Rank != 2 || b.Rank != 2 || into.Rank != 2
            || dY.Lengths[1] != b.Lengths[1] || into.Lengths[0] != dY.Lengths[0] || into.Lengths[1] != b.Lengths[0])
        {
            throw new ArgumentException(
                $"{Kernel}: dY {TensorShape.Format(dY)}, b {TensorShape.Format(b)} and into {TensorShape.Format(into)} are inconsistent; " +
                "expected dY [M, N], b [K, N] and into [M, K].");
        }
        Dense.Target(Kernel, into);
        int m = (int)dY.Lengths[0], n = (int)dY.Lengths[1], k = (int)b.Lengths[0];
        MatrixKernels.MatMulLeftAccumulate(Dense.Materialize(dY), Dense.Materialize(b), into, m, k, n);
    }

    /// <summary>For Y = A·B with A [M, K], B [K, N]: into (B̄, [K, N]) += Aᵀ · dY. Aᵀ is never materialised.</summary>
    public static void MatMulRight<T>(Tensor<T> a, Tensor<T> dY, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.MatMulRight";
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        if (a.Rank != 2 || dY.Rank != 2 || into.Rank != 2
            || a.Lengths[0] != dY.Lengths[0] || into.Lengths[0] != a.Lengths[1] || into.Lengths[1] != dY.Lengths[1])
        {
            throw new ArgumentException(
                $"{Kernel}: a {TensorShape.Format(a)}, dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} are inconsistent; " +
                "expected a [M, K], dY [M, N] and into [K, N].");
        }
        Dense.Target(Kernel, into);
        int m = (int)a.Lengths[0], k = (int)a.Lengths[1], n = (int)dY.Lengths[1];
        MatrixKernels.MatMulRightAccumulate(Dense.Materialize(a), Dense.Materialize(dY), into, m, k, n);
    }

    /// <summary>For Y = Xᵀ with X [M, N]: into (X̄, [M, N]) += dYᵀ, dY being [N, M].</summary>
    public static void Transpose<T>(Tensor<T> dY, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Transpose";
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        if (dY.Rank != 2 || into.Rank != 2 || dY.Lengths[0] != into.Lengths[1] || dY.Lengths[1] != into.Lengths[0])
        {
            throw new ArgumentException(
                $"{Kernel}: dY {TensorShape.Format(dY)} and into {TensorShape.Format(into)} are inconsistent; expected dY [N, M] and into [M, N].");
        }
        Span<T> target = Dense.Target(Kernel, into);
        MatrixKernels.TransposeAccumulate(Dense.Read(dY), target, (int)dY.Lengths[0], (int)dY.Lengths[1]);
    }

    // ── element-wise functions ──────────────────────────────────────────────────────────────

    /// <summary>For y = ReLU(x): into += dY ⊙ 1[x &gt; 0] (the subgradient at 0 is taken as 0).</summary>
    public static void Relu<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Relu", dY, x, nameof(x), into, static (g, x, target, _) => ReluBlock(g, x, target));

    /// <summary>For y = σ(x): into += dY ⊙ y ⊙ (1 − y), where <paramref name="y"/> is the forward result.</summary>
    public static void Sigmoid<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Sigmoid", dY, y, nameof(y), into, static (g, y, target, scratch) =>
        {
            TensorPrimitives.Subtract(T.One, y, scratch);
            TensorPrimitives.Multiply(scratch, y, scratch);
            TensorPrimitives.MultiplyAdd(g, scratch, target, target);
        });

    /// <summary>For y = tanh(x): into += dY ⊙ (1 − y²), where <paramref name="y"/> is the forward result.</summary>
    public static void Tanh<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Tanh", dY, y, nameof(y), into, static (g, y, target, scratch) =>
        {
            TensorPrimitives.Multiply(y, y, scratch);
            TensorPrimitives.Subtract(T.One, scratch, scratch);
            TensorPrimitives.MultiplyAdd(g, scratch, target, target);
        });

    /// <summary>For y = eˣ: into += dY ⊙ y, where <paramref name="y"/> is the forward result.</summary>
    public static void Exp<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Exp", dY, y, nameof(y), into, static (g, y, target, _) => TensorPrimitives.MultiplyAdd(g, y, target, target));

    /// <summary>For y = ln x: into += dY ⊘ x.</summary>
    public static void Log<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Log", dY, x, nameof(x), into, static (g, x, target, scratch) =>
        {
            TensorPrimitives.Divide(g, x, scratch);
            TensorPrimitives.Add(target, scratch, target);
        });

    /// <summary>For y = √x: into += dY ⊘ (2y), where <paramref name="y"/> is the forward result.</summary>
    public static void Sqrt<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Sqrt", dY, y, nameof(y), into, static (g, y, target, scratch) =>
        {
            TensorPrimitives.Divide(g, y, scratch);
            TensorPrimitives.MultiplyAdd(scratch, T.One / (T.One + T.One), target, target);
        });

    /// <summary>For y = x²: into += 2 · dY ⊙ x.</summary>
    public static void Square<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Square", dY, x, nameof(x), into, static (g, x, target, scratch) =>
        {
            TensorPrimitives.Multiply(g, x, scratch);
            TensorPrimitives.MultiplyAdd(scratch, T.One + T.One, target, target);
        });

    // ── reductions ──────────────────────────────────────────────────────────────────────────

    /// <summary>For s = Σ x: into += dS at every element.</summary>
    public static void Fill<T>(T dS, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<T> target = Dense.Target("Adjoint.Fill", into);
        TensorPrimitives.Add(target, dS, target);
    }

    /// <summary>For s = mean(x): into += dS / n at every element, n = into.FlattenedLength.</summary>
    public static void Mean<T>(T dS, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(into);
        Span<T> target = Dense.Target("Adjoint.Mean", into);
        if (target.Length == 0) return;
        TensorPrimitives.Add(target, dS / T.CreateChecked(target.Length), target);
    }

    // ── softmax ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// For y = softmax(x) over the last axis: into += y ⊙ (dY − Σ_last(dY ⊙ y)), the row sum broadcast along the
    /// last axis; <paramref name="y"/> is the forward result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Softmax";
        ValidateElementwise(Kernel, dY, y, nameof(y), into);
        ReadOnlySpan<T> g = Dense.Read(dY), s = Dense.Read(y);
        Span<T> target = Dense.Target(Kernel, into);
        int n = checked((int)dY.Lengths[dY.Rank - 1]);
        using var scratch = Scratch<T>.Rent(n);
        for (int offset = 0; n > 0 && offset < g.Length; offset += n)
        {
            ReadOnlySpan<T> gRow = g.Slice(offset, n), yRow = s.Slice(offset, n);
            Span<T> row = target.Slice(offset, n);
            TensorPrimitives.Subtract(gRow, TensorPrimitives.Dot(gRow, yRow), scratch.Span);
            TensorPrimitives.MultiplyAdd(yRow, scratch.Span, row, row);
        }
    }

    /// <summary>
    /// For L = <see cref="Ops.SoftmaxCrossEntropy{T}"/>(Z, targets) with Z [N, C]:
    /// into (Z̄) += dL · (softmax(Z) − onehot(targets)) / N.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxCrossEntropy<T>(T dL, Tensor<T> logits, int[] targets, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.SoftmaxCrossEntropy";
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(into);
        (int rows, int classes) = Ops.ValidateCrossEntropy(Kernel, logits, targets);
        TensorShape.RequireSameShape(Kernel, nameof(logits), logits.Lengths, nameof(into), into.Lengths);
        ReadOnlySpan<T> z = Dense.Read(logits);
        Span<T> target = Dense.Target(Kernel, into);
        if (rows == 0) return;
        T scale = dL / T.CreateChecked(rows);
        using var probabilities = Scratch<T>.Rent(classes);
        for (int i = 0; i < rows; i++)
        {
            Span<T> row = target.Slice(i * classes, classes);
            Ops.SoftmaxRow(z.Slice(i * classes, classes), probabilities.Span);
            TensorPrimitives.MultiplyAdd(probabilities.Span, scale, row, row);
            row[targets[i]] -= scale;
        }
    }

    // ── shared implementation ───────────────────────────────────────────────────────────────

    /// <summary>target += g where x &gt; 0, vectorised with a compare-and-select mask where the hardware allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReluBlock<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> target) where T : IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            ref T gRef = ref MemoryMarshal.GetReference(g), xRef = ref MemoryMarshal.GetReference(x), tRef = ref MemoryMarshal.GetReference(target);
            for (int width = Vector<T>.Count; i <= target.Length - width; i += width)
            {
                Vector<T> positive = Vector.GreaterThan(Vector.LoadUnsafe(ref xRef, (nuint)i), Vector<T>.Zero);
                Vector<T> sum = Vector.LoadUnsafe(ref tRef, (nuint)i) + Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref gRef, (nuint)i), Vector<T>.Zero);
                sum.StoreUnsafe(ref tRef, (nuint)i);
            }
        }
        for (; i < target.Length; i++)
        {
            if (x[i] > T.Zero) target[i] += g[i];
        }
    }

    private static void Accumulate<T>(string kernel, Tensor<T> dY, T scale, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireBroadcastsTo(kernel, nameof(into), into.Lengths, nameof(dY), dY.Lengths);
        Span<T> target = Dense.Target(kernel, into);
        Broadcasting.AccumulateReduced(Dense.Read(dY), dY.Lengths, target, into.Lengths, scale);
    }

    private static void ValidateBroadcastOperands<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(operand, operandName);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireBroadcastsTo(kernel, operandName, operand.Lengths, nameof(dY), dY.Lengths);
        TensorShape.RequireBroadcastsTo(kernel, nameof(into), into.Lengths, nameof(dY), dY.Lengths);
    }

    private static void ValidateElementwise<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(operand, operandName);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(kernel, nameof(dY), dY.Lengths, operandName, operand.Lengths);
        TensorShape.RequireSameShape(kernel, nameof(dY), dY.Lengths, nameof(into), into.Lengths);
    }

    /// <summary>One block of an element-wise adjoint: all spans have the same length; <c>scratch</c> is free to overwrite.</summary>
    private delegate void BlockKernel<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> operand, Span<T> into, Span<T> scratch);

    /// <summary>Runs an element-wise adjoint over blocks of <see cref="Block"/> elements with a pooled scratch buffer.</summary>
    private static void Elementwise<T>(string kernel, Tensor<T> dY, Tensor<T> operand, string operandName, Tensor<T> into, BlockKernel<T> body)
        where T : IFloatingPointIeee754<T>
    {
        ValidateElementwise(kernel, dY, operand, operandName, into);
        ReadOnlySpan<T> g = Dense.Read(dY), o = Dense.Read(operand);
        Span<T> target = Dense.Target(kernel, into);
        using var scratch = Scratch<T>.Rent(Math.Min(Block, target.Length));
        for (int start = 0; start < target.Length; start += Block)
        {
            int length = Math.Min(Block, target.Length - start);
            body(g.Slice(start, length), o.Slice(start, length), target.Slice(start, length), scratch.Span.Slice(0, length));
        }
    }
}
