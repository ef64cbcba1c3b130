using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

// Backward kernels of element-wise arithmetic (broadcast) and element-wise functions.
public static partial class Adjoint
{
    // ── broadcast arithmetic ────────────────────────────────────────────────────────────────

    /// <summary>
    /// into += reduce(dY). The gradient of either operand of <c>a + b</c>, and of <c>a</c> in <c>a − b</c>. With
    /// <paramref name="overwrite"/> (a gradient's first contribution) into = reduce(dY): a copy when the shapes agree.
    /// </summary>
    public static void Identity<T>(Tensor<T> dY, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Accumulate("Adjoint.Identity", dY, T.One, into, overwrite);

    /// <summary>
    /// reduce(dY) as a new gradient buffer shaped like <paramref name="like"/> — or <paramref name="dY"/> itself when the
    /// shapes are equal and it is dense, so a gradient that flows through unchanged (the operands of <c>a + b</c>) costs
    /// no allocation and no copy. Generated code uses it only for a first contribution, and only when it owns
    /// <paramref name="dY"/> and never reads it again (the returned buffer may later be accumulated into) — or, by
    /// planning's alias rule, where neither buffer is written while both are read.
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
    /// <param name="dY">∂L/∂y.</param>
    /// <param name="scale">The factor.</param>
    /// <param name="into">The operand's gradient, a shape dY broadcasts from, dense.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void Scaled<T>(Tensor<T> dY, T scale, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Accumulate("Adjoint.Scaled", dY, scale, into, overwrite);

    /// <summary>
    /// into += reduce(dY ⊙ other), with <paramref name="other"/> broadcast to dY's shape: the Hadamard rule, for
    /// y = a ⊙ b, ā += reduce(ȳ ⊙ b) and b̄ += reduce(ȳ ⊙ a).
    /// </summary>
    /// <param name="dY">∂L/∂y.</param>
    /// <param name="other">The other factor, broadcast to dY's shape.</param>
    /// <param name="into">The factor's gradient, its shape, dense.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void Multiply<T>(Tensor<T> dY, Tensor<T> other, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.Multiply";
        ValidateBroadcastOperands(Kernel, dY, other, nameof(other), into);
        ReadOnlySpan<T> g = Dense.Read(dY), o = Dense.Read(other);
        Span<T> target = Dense.Target(Kernel, into);
        if (target.Length == g.Length && (o.Length == g.Length || o.Length == 1))
        {
            // Neither into nor dY needs reducing: one fused pass (written: the same multiply-add with a zero addend).
            if (overwrite && o.Length == g.Length) TensorPrimitives.MultiplyAdd(g, o, T.Zero, target);
            else if (overwrite) Broadcasting.WriteScaled(g, o[0], target);
            else if (o.Length == g.Length) TensorPrimitives.MultiplyAdd(g, o, target, target);
            else TensorPrimitives.MultiplyAdd(g, o[0], target, target);
            return;
        }
        if (target.Length == 1)
        {
            // The whole product summed (written: added into a zero).
            target[0] = (overwrite ? T.Zero : target[0]) + Broadcasting.Dot(g, dY.Lengths, o, other.Lengths);
            return;
        }
        using var product = Scratch<T>.Rent(g.Length);
        Broadcasting.Binary<T, MultiplyOp<T>>(g, dY.Lengths, o, other.Lengths, product.Span, dY.Lengths);
        AddReduced<T>(product.Span, dY.Lengths, target, into.Lengths, T.One, overwrite);
    }

    /// <summary>For y = a ⊘ b: into (ā) += reduce(dY ⊘ b), with <paramref name="denominator"/> b broadcast to dY's shape.</summary>
    /// <param name="dY">∂L/∂y.</param>
    /// <param name="denominator">b, broadcast to dY's shape.</param>
    /// <param name="into">ā, a's shape, dense.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void DivideNumerator<T>(Tensor<T> dY, Tensor<T> denominator, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
    {
        const string Kernel = "Adjoint.DivideNumerator";
        ValidateBroadcastOperands(Kernel, dY, denominator, nameof(denominator), into);
        ReadOnlySpan<T> g = Dense.Read(dY), b = Dense.Read(denominator);
        Span<T> target = Dense.Target(Kernel, into);
        if (b.Length == 1)
        {
            AddReduced(g, dY.Lengths, target, into.Lengths, T.One / b[0], overwrite);
            return;
        }
        using var quotient = Scratch<T>.Rent(g.Length);
        Broadcasting.Binary<T, DivideOp<T>>(g, dY.Lengths, b, denominator.Lengths, quotient.Span, dY.Lengths);
        AddReduced<T>(quotient.Span, dY.Lengths, target, into.Lengths, T.One, overwrite);
    }

    /// <summary>
    /// For y = a ⊘ b: into (b̄) += reduce(−dY ⊙ y ⊘ b), where <paramref name="quotient"/> is the forward result y
    /// (dY's shape) and <paramref name="denominator"/> b is broadcast to dY's shape.
    /// </summary>
    /// <param name="dY">∂L/∂y.</param>
    /// <param name="quotient">The forward result y, dY's shape.</param>
    /// <param name="denominator">b, broadcast to dY's shape.</param>
    /// <param name="into">b̄, b's shape, dense.</param>
    /// <param name="overwrite">into = … instead of into += … (a first contribution): what adding into zeros gives.</param>
    public static void DivideDenominator<T>(Tensor<T> dY, Tensor<T> quotient, Tensor<T> denominator, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
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
        AddReduced<T>(term.Span, dY.Lengths, target, into.Lengths, -T.One, overwrite);
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

    // ── element-wise functions ──────────────────────────────────────────────────────────────
    // Each takes overwrite: true for a gradient's first contribution (into from Uninitialized): into = … instead of into += ….

    /// <summary>For y = ReLU(x): into += dY ⊙ 1[x &gt; 0] (the subgradient at 0 is taken as 0).</summary>
    public static void Relu<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Relu", dY, x, nameof(x), into, overwrite, static (g, x, target, _) => ReluBlock(g, x, target));

    /// <summary>For y = σ(x): into += dY ⊙ y ⊙ (1 − y), where <paramref name="y"/> is the forward result.</summary>
    public static void Sigmoid<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Sigmoid", dY, y, nameof(y), into, overwrite, static (g, y, target, scratch) =>
        {
            TensorPrimitives.Subtract(T.One, y, scratch);
            TensorPrimitives.Multiply(scratch, y, scratch);
            TensorPrimitives.MultiplyAdd(g, scratch, target, target);
        });

    /// <summary>For y = tanh(x): into += dY ⊙ (1 − y²), where <paramref name="y"/> is the forward result.</summary>
    public static void Tanh<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Tanh", dY, y, nameof(y), into, overwrite, static (g, y, target, scratch) =>
        {
            TensorPrimitives.Multiply(y, y, scratch);
            TensorPrimitives.Subtract(T.One, scratch, scratch);
            TensorPrimitives.MultiplyAdd(g, scratch, target, target);
        });

    /// <summary>For y = eˣ: into += dY ⊙ y, where <paramref name="y"/> is the forward result.</summary>
    public static void Exp<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Exp", dY, y, nameof(y), into, overwrite, static (g, y, target, _) => TensorPrimitives.MultiplyAdd(g, y, target, target));

    /// <summary>For y = ln x: into += dY ⊘ x.</summary>
    public static void Log<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Log", dY, x, nameof(x), into, overwrite, static (g, x, target, scratch) =>
        {
            TensorPrimitives.Divide(g, x, scratch);
            TensorPrimitives.Add(target, scratch, target);
        });

    /// <summary>For y = √x: into += dY ⊘ (2y), where <paramref name="y"/> is the forward result.</summary>
    public static void Sqrt<T>(Tensor<T> dY, Tensor<T> y, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Sqrt", dY, y, nameof(y), into, overwrite, static (g, y, target, scratch) =>
        {
            TensorPrimitives.Divide(g, y, scratch);
            TensorPrimitives.MultiplyAdd(scratch, T.One / (T.One + T.One), target, target);
        });

    /// <summary>For y = x²: into += 2 · dY ⊙ x.</summary>
    public static void Square<T>(Tensor<T> dY, Tensor<T> x, Tensor<T> into, bool overwrite = false) where T : IFloatingPointIeee754<T>
        => Elementwise("Adjoint.Square", dY, x, nameof(x), into, overwrite, static (g, x, target, scratch) =>
        {
            TensorPrimitives.Multiply(g, x, scratch);
            TensorPrimitives.MultiplyAdd(scratch, T.One + T.One, target, target);
        });

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
}
