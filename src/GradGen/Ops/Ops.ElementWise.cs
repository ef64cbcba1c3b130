using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

// Element-wise arithmetic (broadcast) and element-wise functions.
public static partial class Ops
{
    // ── element-wise arithmetic ─────────────────────────────────────────────────────────────

    /// <summary>a + b, broadcast.</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, AddOp<T>>(nameof(Add), a, b);

    /// <summary>a + b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.Result<T>(a.Lengths);
        Span<T> output = Dense.Span(result);
        TensorPrimitives.Add(Dense.Read(a), b, output);
        return result;
    }

    /// <summary>a + b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Add<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Add(b, a);

    /// <summary>a − b, broadcast.</summary>
    public static Tensor<T> Subtract<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, SubtractOp<T>>(nameof(Subtract), a, b);

    /// <summary>a − b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Subtract<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.Result<T>(a.Lengths);
        Span<T> output = Dense.Span(result);
        TensorPrimitives.Subtract(Dense.Read(a), b, output);
        return result;
    }

    /// <summary>a − b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Subtract<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        var result = Dense.Result<T>(b.Lengths);
        Span<T> output = Dense.Span(result);
        TensorPrimitives.Subtract(a, Dense.Read(b), output);
        return result;
    }

    /// <summary>a ⊙ b (element-wise, Hadamard product), broadcast.</summary>
    public static Tensor<T> Multiply<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, MultiplyOp<T>>(nameof(Multiply), a, b);

    /// <summary>a · b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Multiply<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.Result<T>(a.Lengths);
        Span<T> output = Dense.Span(result);
        TensorPrimitives.Multiply(Dense.Read(a), b, output);
        return result;
    }

    /// <summary>a · b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Multiply<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Multiply(b, a);

    /// <summary>a ⊘ b (element-wise division), broadcast.</summary>
    public static Tensor<T> Divide<T>(Tensor<T> a, Tensor<T> b) where T : IFloatingPointIeee754<T> => Binary<T, DivideOp<T>>(nameof(Divide), a, b);

    /// <summary>a / b for every element of <paramref name="a"/>.</summary>
    public static Tensor<T> Divide<T>(Tensor<T> a, T b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        var result = Dense.Result<T>(a.Lengths);
        Span<T> output = Dense.Span(result);
        TensorPrimitives.Divide(Dense.Read(a), b, output);
        return result;
    }

    /// <summary>a / b for every element of <paramref name="b"/>.</summary>
    public static Tensor<T> Divide<T>(T a, Tensor<T> b) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        var result = Dense.Result<T>(b.Lengths);
        Span<T> output = Dense.Span(result);
        TensorPrimitives.Divide(a, Dense.Read(b), output);
        return result;
    }

    /// <summary>−x.</summary>
    public static Tensor<T> Negate<T>(Tensor<T> x) where T : IFloatingPointIeee754<T> => Unary(x, static (s, d) => TensorPrimitives.Negate(s, d));

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

    // ── allocation-free forms: results written into a caller-owned dense tensor ─────────────

    /// <summary><paramref name="into"/> = a + b (broadcast); <paramref name="into"/> must have the broadcast shape and may be a same-shaped operand. Returns it.</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T> => BinaryInto<T, AddOp<T>>(nameof(Add), a, b, into);

    /// <summary><paramref name="into"/> = a − b (broadcast); <paramref name="into"/> must have the broadcast shape and may be a same-shaped operand. Returns it.</summary>
    public static Tensor<T> Subtract<T>(Tensor<T> a, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T> => BinaryInto<T, SubtractOp<T>>(nameof(Subtract), a, b, into);

    /// <summary><paramref name="into"/> = a ⊙ b (broadcast); <paramref name="into"/> must have the broadcast shape and may be a same-shaped operand. Returns it.</summary>
    public static Tensor<T> Multiply<T>(Tensor<T> a, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T> => BinaryInto<T, MultiplyOp<T>>(nameof(Multiply), a, b, into);

    /// <summary><paramref name="into"/> = a ⊘ b (broadcast); <paramref name="into"/> must have the broadcast shape and may be a same-shaped operand. Returns it.</summary>
    public static Tensor<T> Divide<T>(Tensor<T> a, Tensor<T> b, Tensor<T> into) where T : IFloatingPointIeee754<T> => BinaryInto<T, DivideOp<T>>(nameof(Divide), a, b, into);

    /// <summary><paramref name="into"/> = −x; <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Negate<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Negate), x, into, static (s, d) => TensorPrimitives.Negate(s, d));

    /// <summary><paramref name="into"/> = max(x, 0); <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Relu<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Relu), x, into, static (s, d) => TensorPrimitives.Max(s, T.Zero, d));

    /// <summary><paramref name="into"/> = 1 / (1 + e^−x); <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Sigmoid<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Sigmoid), x, into, static (s, d) => TensorPrimitives.Sigmoid(s, d));

    /// <summary><paramref name="into"/> = tanh x; <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Tanh<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Tanh), x, into, static (s, d) => TensorPrimitives.Tanh(s, d));

    /// <summary><paramref name="into"/> = e^x; <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Exp<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Exp), x, into, static (s, d) => TensorPrimitives.Exp(s, d));

    /// <summary><paramref name="into"/> = ln x; <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Log<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Log), x, into, static (s, d) => TensorPrimitives.Log(s, d));

    /// <summary><paramref name="into"/> = √x; <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Sqrt<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Sqrt), x, into, static (s, d) => TensorPrimitives.Sqrt(s, d));

    /// <summary><paramref name="into"/> = x²; <paramref name="into"/> has x's shape and may be x. Returns it.</summary>
    public static Tensor<T> Square<T>(Tensor<T> x, Tensor<T> into) where T : IFloatingPointIeee754<T> => UnaryInto(nameof(Square), x, into, static (s, d) => TensorPrimitives.Multiply(s, s, d));

    /// <summary>
    /// <paramref name="into"/> = max(x + bias, 0), bias broadcast (typically a [N] bias over the rows of an [M, N]
    /// pre-activation): the fused forward of a dense layer's bias and ReLU. <paramref name="into"/> has x's shape and may
    /// be x. Returns it. Its backward is <see cref="Adjoint.BiasRelu{T}"/>.
    /// </summary>
    public static Tensor<T> AddRelu<T>(Tensor<T> x, Tensor<T> bias, Tensor<T> into) where T : IFloatingPointIeee754<T>
    {
        BinaryInto<T, AddOp<T>>(nameof(AddRelu), x, bias, into);
        Span<T> target = Dense.Span(into);
        TensorPrimitives.Max(target, T.Zero, target);
        return into;
    }

    private static Tensor<T> Binary<T, TOp>(string op, Tensor<T> a, Tensor<T> b)
        where T : IFloatingPointIeee754<T>
        where TOp : IBinaryOp<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        nint[] shape = TensorShape.Broadcast(op, a.Lengths, b.Lengths);
        var result = Dense.Result<T>(shape);
        Span<T> output = Dense.Span(result);
        Broadcasting.Binary<T, TOp>(Dense.Read(a), a.Lengths, Dense.Read(b), b.Lengths, output, shape);
        return result;
    }

    private delegate void SpanMap<T>(ReadOnlySpan<T> source, Span<T> destination);

    private static Tensor<T> Unary<T>(Tensor<T> x, SpanMap<T> map) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var result = Dense.Result<T>(x.Lengths);
        Span<T> output = Dense.Span(result);
        map(Dense.Read(x), output);
        return result;
    }

    private static Tensor<T> BinaryInto<T, TOp>(string op, Tensor<T> a, Tensor<T> b, Tensor<T> into)
        where T : IFloatingPointIeee754<T>
        where TOp : IBinaryOp<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(into);
        if (!TensorShape.IsBroadcastOf(a.Lengths, b.Lengths, into.Lengths))
        {
            nint[] shape = TensorShape.Broadcast(op, a.Lengths, b.Lengths);
            throw new ArgumentException($"{op}: into {TensorShape.Format(into)} must have the broadcast shape {TensorShape.Format(shape)} of {TensorShape.Format(a)} and {TensorShape.Format(b)}.", nameof(into));
        }
        Span<T> target = Dense.Target(op, into);
        Broadcasting.Binary<T, TOp>(Dense.Read(a), a.Lengths, Dense.Read(b), b.Lengths, target, into.Lengths);
        return into;
    }

    private static Tensor<T> UnaryInto<T>(string op, Tensor<T> x, Tensor<T> into, SpanMap<T> map) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(into);
        TensorShape.RequireSameShape(op, nameof(x), x.Lengths, nameof(into), into.Lengths);
        map(Dense.Read(x), Dense.Target(op, into));
        return into;
    }
}
