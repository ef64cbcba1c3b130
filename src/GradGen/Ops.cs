using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// Forward primitives for <see cref="DifferentiableAttribute"/> methods. Each has a matching backward kernel in
/// <see cref="Adjoint"/>, which the generated <c>Backward</c> methods call.
/// </summary>
/// <remarks>
/// <para>Inputs may be any tensors, including strided views such as <see cref="Tensor.Transpose{T}(Tensor{T})"/>;
/// inputs are never modified, and every tensor result is a new dense tensor.</para>
/// <para>Binary element-wise operations broadcast like numpy: shapes are aligned at their trailing dimensions, and a
/// dimension that is 1 or missing stretches to the other operand's length (<c>[2, 3] + [3]</c>, <c>[4, 1] + [1, 5]</c>).
/// Where one operand's shape broadcasts to the other's, results equal those of the <c>Tensor&lt;T&gt;</c> operators; where
/// both operands must stretch (<c>[2, 1] + [1, 3]</c>), <c>Ops</c> gives numpy's <c>[2, 3]</c> (the operators of
/// System.Numerics.Tensors 10.0.0 do not). Tensors of any rank ≥ 1 are accepted.</para>
/// <para>Shape mismatches throw <see cref="ArgumentException"/> naming the operation and the shapes; null tensors throw
/// <see cref="ArgumentNullException"/>.</para>
/// </remarks>
public static class Ops
{
    // ── element-wise arithmetic ─────────────────────────────────────────────────────────────

    /// <summary>a + b, broadcast.</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, AddOp<T>>(nameof(Add), a, b);

    /// <summary>a + b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.AllocateForOverwrite<T>(a.Lengths);
        TensorPrimitives.Add(Dense.Read(a), b, result);
        return Dense.Wrap(result, a.Lengths);
    }

    /// <summary>a + b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Add<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Add(b, a);

    /// <summary>a − b, broadcast.</summary>
    public static Tensor<T> Subtract<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, SubtractOp<T>>(nameof(Subtract), a, b);

    /// <summary>a − b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Subtract<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.AllocateForOverwrite<T>(a.Lengths);
        TensorPrimitives.Subtract(Dense.Read(a), b, result);
        return Dense.Wrap(result, a.Lengths);
    }

    /// <summary>a − b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Subtract<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        var result = Dense.AllocateForOverwrite<T>(b.Lengths);
        TensorPrimitives.Subtract(a, Dense.Read(b), result);
        return Dense.Wrap(result, b.Lengths);
    }

    /// <summary>a ⊙ b (element-wise, Hadamard product), broadcast.</summary>
    public static Tensor<T> Multiply<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, MultiplyOp<T>>(nameof(Multiply), a, b);

    /// <summary>a · b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Multiply<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.AllocateForOverwrite<T>(a.Lengths);
        TensorPrimitives.Multiply(Dense.Read(a), b, result);
        return Dense.Wrap(result, a.Lengths);
    }

    /// <summary>a · b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Multiply<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Multiply(b, a);

    /// <summary>a ⊘ b (element-wise division), broadcast.</summary>
    public static Tensor<T> Divide<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, DivideOp<T>>(nameof(Divide), a, b);

    /// <summary>a / b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Divide<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.AllocateForOverwrite<T>(a.Lengths);
        TensorPrimitives.Divide(Dense.Read(a), b, result);
        return Dense.Wrap(result, a.Lengths);
    }

    /// <summary>a / b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Divide<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        var result = Dense.AllocateForOverwrite<T>(b.Lengths);
        TensorPrimitives.Divide(a, Dense.Read(b), result);
        return Dense.Wrap(result, b.Lengths);
    }

    /// <summary>−x.</summary>
    public static Tensor<T> Negate<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Negate(s, d));

    // ── matrices ────────────────────────────────────────────────────────────────────────────

    /// <summary>The matrix product of a [M, K] and b [K, N], a new [M, N] tensor.</summary>
    /// <exception cref="ArgumentException">An operand is not 2-D, or the inner dimensions differ.</exception>
    public static Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw new ArgumentException($"MatMul: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: both operands must be 2-D.");
        }
        int m = checked((int)a.Lengths[0]), k = checked((int)a.Lengths[1]), n = checked((int)b.Lengths[1]);
        if (b.Lengths[0] != k)
        {
            throw new ArgumentException(
                $"MatMul: cannot multiply {TensorShape.Format(a)} by {TensorShape.Format(b)}: inner dimensions {k} and {(long)b.Lengths[0]} differ.");
        }
        var result = Dense.Wrap(new T[checked(m * n)], stackalloc nint[] { m, n });
        MatrixKernels.MatMul(Dense.Materialize(a), Dense.Materialize(b), result, m, k, n);
        return result;
    }

    /// <summary>The transpose of a 2-D tensor [M, N]: a new dense [N, M] tensor (not a view).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not 2-D.</exception>
    public static Tensor<T> Transpose<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        TensorShape.RequireMatrix(nameof(Transpose), nameof(x), x.Lengths);
        int m = checked((int)x.Lengths[0]), n = checked((int)x.Lengths[1]);
        var result = GC.AllocateUninitializedArray<T>(checked(m * n));
        MatrixKernels.Transpose(Dense.Read(x), result, m, n);
        return Dense.Wrap(result, stackalloc nint[] { n, m });
    }

    // ── element-wise functions ──────────────────────────────────────────────────────────────

    /// <summary>max(x, 0).</summary>
    public static Tensor<T> Relu<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Max(s, T.Zero, d));

    /// <summary>The logistic function 1 / (1 + e^−x).</summary>
    public static Tensor<T> Sigmoid<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Sigmoid(s, d));

    /// <summary>The hyperbolic tangent.</summary>
    public static Tensor<T> Tanh<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Tanh(s, d));

    /// <summary>e^x.</summary>
    public static Tensor<T> Exp<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Exp(s, d));

    /// <summary>The natural logarithm.</summary>
    public static Tensor<T> Log<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Log(s, d));

    /// <summary>The square root.</summary>
    public static Tensor<T> Sqrt<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Sqrt(s, d));

    /// <summary>x².</summary>
    public static Tensor<T> Square<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Multiply(s, s, d));

    // ── reductions ──────────────────────────────────────────────────────────────────────────

    /// <summary>The sum of all elements.</summary>
    public static T Sum<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorPrimitives.Sum(Dense.Read(x));
    }

    /// <summary>The mean of all elements (NaN for an empty tensor).</summary>
    public static T Mean<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorPrimitives.Sum(Dense.Read(x)) / T.CreateChecked(x.FlattenedLength);
    }

    // ── softmax ─────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Softmax over the last axis: every row (the last dimension) of the result is e^(x − max) / Σ e^(x − max),
    /// non-negative and summing to 1. Subtracting the row maximum keeps it finite for large inputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor<T> Softmax<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ReadOnlySpan<T> source = Dense.Read(x);
        var result = GC.AllocateUninitializedArray<T>(source.Length);
        int n = checked((int)x.Lengths[x.Rank - 1]);
        for (int offset = 0; n > 0 && offset < source.Length; offset += n)
        {
            SoftmaxRow(source.Slice(offset, n), result.AsSpan(offset, n));
        }
        return Dense.Wrap(result, x.Lengths);
    }

    /// <summary>
    /// The mean softmax cross-entropy of <paramref name="logits"/> [N, C] against class indices
    /// <paramref name="targets"/> (length N, each in [0, C)): (1/N) Σ_i −log softmax(z_i)[y_i], computed as
    /// (1/N) Σ_i (logsumexp(z_i) − z_i[y_i]) with the row maximum subtracted, so it stays finite for large logits.
    /// The mean over zero rows is NaN.
    /// </summary>
    /// <exception cref="ArgumentException">logits is not 2-D, targets has the wrong length, or a target is out of range.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SoftmaxCrossEntropy<T>(Tensor<T> logits, int[] targets) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        (int rows, int classes) = ValidateCrossEntropy(nameof(SoftmaxCrossEntropy), logits, targets);
        ReadOnlySpan<T> z = Dense.Read(logits);
        using var scratch = Scratch<T>.Rent(classes);
        T total = T.Zero;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> row = z.Slice(i * classes, classes);
            total += LogSumExp(row, scratch.Span) - row[targets[i]];
        }
        return total / T.CreateChecked(rows);
    }

    // ── construction ────────────────────────────────────────────────────────────────────────

    /// <summary>A new dense tensor of zeros with the shape of <paramref name="x"/>.</summary>
    public static Tensor<T> ZerosLike<T>(Tensor<T> x) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        return Dense.Wrap(Dense.Allocate<T>(x.Lengths), x.Lengths);
    }

    // ── shared implementation ───────────────────────────────────────────────────────────────

    /// <summary>destination = softmax(source), one row.</summary>
    internal static void SoftmaxRow<T>(ReadOnlySpan<T> source, Span<T> destination) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(source);
        TensorPrimitives.Subtract(source, max, destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.Divide(destination, TensorPrimitives.Sum(destination), destination);
    }

    /// <summary>log Σ e^row, stably; <paramref name="scratch"/> (same length as the row) is overwritten.</summary>
    internal static T LogSumExp<T>(ReadOnlySpan<T> row, Span<T> scratch) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + T.Log(TensorPrimitives.Sum(scratch));
    }

    /// <summary>Validates the operands of a softmax cross-entropy and returns (N, C).</summary>
    internal static (int Rows, int Classes) ValidateCrossEntropy<T>(string op, Tensor<T> logits, int[] targets)
    {
        if (logits.Rank != 2)
        {
            throw new ArgumentException($"{op}: logits must be 2-D [N, C], got {TensorShape.Format(logits)}.", nameof(logits));
        }
        int rows = checked((int)logits.Lengths[0]), classes = checked((int)logits.Lengths[1]);
        if (targets.Length != rows)
        {
            throw new ArgumentException(
                $"{op}: targets has length {targets.Length} but logits {TensorShape.Format(logits)} has {rows} rows.", nameof(targets));
        }
        for (int i = 0; i < rows; i++)
        {
            if ((uint)targets[i] >= (uint)classes)
            {
                throw new ArgumentException($"{op}: target {targets[i]} at row {i} is out of range [0, {classes}).", nameof(targets));
            }
        }
        return (rows, classes);
    }

    private static Tensor<T> Binary<T, TOp>(string op, Tensor<T> a, Tensor<T> b)
        where T : IFloatingPointIeee754<T>
        where TOp : IBinaryOp<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        nint[] shape = TensorShape.Broadcast(op, a.Lengths, b.Lengths);
        var result = Dense.AllocateForOverwrite<T>(shape);
        Broadcasting.Binary<T, TOp>(Dense.Read(a), a.Lengths, Dense.Read(b), b.Lengths, result, shape);
        return Dense.Wrap(result, shape);
    }

    private delegate void SpanMap<T>(ReadOnlySpan<T> source, Span<T> destination);

    private static Tensor<T> Unary<T>(Tensor<T> x, SpanMap<T> map) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var result = Dense.AllocateForOverwrite<T>(x.Lengths);
        map(Dense.Read(x), result);
        return Dense.Wrap(result, x.Lengths);
    }
}
