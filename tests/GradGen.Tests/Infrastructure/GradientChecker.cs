using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace GradGen.Tests.Infrastructure;

/// <summary>
/// Checks a generated backward pass by reflection: both public forms (tuple and accumulating) against central
/// finite differences of the forward method, for every differentiable parameter.
/// </summary>
public static class GradientChecker
{
    /// <param name="shapes">
    /// Per forward parameter: its tensor shape, or null for a scalar / passive parameter; for an array of tensors, the
    /// number of elements followed by the shape of each. A weight object (a class with a static
    /// <c>Make(Func&lt;int[], Tensor&lt;double&gt;&gt; tensor, Func&lt;double&gt; scalar)</c>) is built by its Make, and
    /// checked leaf by leaf (<see cref="Parameters.Leaves{T}"/>: its tensors and learned scalars).
    /// </param>
    public static void CheckAll(Type type, string method, int[]?[] shapes, bool positive, int seed)
    {
        var (forward, args, value, upstream, differentiable, tuple, accumulatingArgs, writtenArgs) = RunBoth(type, method, shapes, positive, seed);
        Assert.Equal(1 + differentiable.Count, tuple.Length);
        AssertClose(Scalarize(value, upstream), Scalarize(tuple[0]!, upstream), 1e-12, "the value returned with the gradient");

        for (var k = 0; k < differentiable.Count; k++)
        {
            var parameter = differentiable[k];
            var analytic = tuple[1 + k]!;
            var numerical = Numerical(forward, args, parameter.Position, upstream);
            var isFloat = parameter.ParameterType == typeof(float) || parameter.ParameterType == typeof(Tensor<float>);
            var tolerance = isFloat ? 2e-2 : 1e-6;
            var analyticValues = Values(analytic);
            for (var i = 0; i < numerical.Length; i++)
            {
                AssertClose(numerical[i], analyticValues[i], tolerance, $"∂/∂{parameter.Name}[{i}] (numerical vs generated)");
            }
            var accumulated = Values(accumulatingArgs[args.Length + k]!);
            for (var i = 0; i < accumulated.Length; i++)
            {
                // 1 + g rounded to the element type: float keeps ~7 digits.
                AssertClose(1 + analyticValues[i], accumulated[i], isFloat ? 1e-6 : 1e-12, $"accumulated ∂/∂{parameter.Name}[{i}] (expected 1 + gradient)");
            }
            // Written over NaN, bit for bit the tuple form's (fresh buffers): nothing of what the buffer held is read.
            var written = Values(writtenArgs[args.Length + k]!);
            for (var i = 0; i < written.Length; i++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(analyticValues[i]) == BitConverter.DoubleToInt64Bits(written[i]),
                    $"written ∂/∂{parameter.Name}[{i}]: {written[i]:R} over a buffer of NaN, {analyticValues[i]:R} in the tuple form");
            }
        }
    }

    /// <summary>
    /// What both generated forms of the method return on the inputs <see cref="CheckAll"/> draws for the seed: the value and
    /// each gradient of the tuple form, then each buffer of the accumulating form (which start as ones), then each buffer it
    /// wrote when asked (which start as NaN), flattened in order — what planning must leave bit for bit unchanged.
    /// </summary>
    public static double[][] Outputs(Type type, string method, int[]?[] shapes, bool positive, int seed)
    {
        var (_, args, _, _, differentiable, tuple, accumulatingArgs, writtenArgs) = RunBoth(type, method, shapes, positive, seed);
        return Enumerable.Range(0, tuple.Length).Select(k => Values(tuple[k]!))
            .Concat(Enumerable.Range(0, differentiable.Count).Select(k => Values(accumulatingArgs[args.Length + k]!)))
            .Concat(Enumerable.Range(0, differentiable.Count).Select(k => Values(writtenArgs[args.Length + k]!))).ToArray();
    }

    /// <summary>
    /// Draws the inputs for the seed, runs the forward, then both generated forms: the tuple form, the accumulating form
    /// into buffers that start as ones (<c>accumulatingArgs</c>: the arguments, the buffers, the upstream gradient, the
    /// overwrite flag), and the same form asked to write (<c>overwrite: true</c>) into buffers that start as NaN.
    /// </summary>
    private static (MethodInfo Forward, object?[] Args, object Value, object? Upstream, List<ParameterInfo> Differentiable, ITuple Tuple, object?[] AccumulatingArgs, object?[] WrittenArgs)
        RunBoth(Type type, string method, int[]?[] shapes, bool positive, int seed)
    {
        var forward = type.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!;
        var parameters = forward.GetParameters();
        var random = new Random(seed);
        var args = new object?[parameters.Length];
        var rows = shapes.FirstOrDefault(s => s is { Length: 2 })?[0] ?? 2;
        var columns = shapes.FirstOrDefault(s => s is { Length: 2 })?[1] ?? 3;
        for (var i = 0; i < parameters.Length; i++) args[i] = MakeArgument(parameters[i].ParameterType, shapes[i], positive, random, rows, columns);
        var value = forward.Invoke(null, args)!;
        var upstream = value is double or float ? null : MakeArgument(forward.ReturnType, Shape(value), positive: false, random, rows, columns);
        var differentiable = parameters.Where(IsDifferentiable).ToList();
        // The tuple form: (Value, dA, dB, ...).
        var tupleForm = type.GetMethods().Single(m => m.Name == method + "Backward" && m.ReturnType.IsAssignableTo(typeof(ITuple)));
        var tuple = (ITuple)tupleForm.Invoke(null, args.Append(upstream ?? One(forward.ReturnType)).ToArray())!;
        // The accumulating form adds into buffers that already hold 1.
        var accumulating = type.GetMethods().Single(m => m.Name == method + "Backward" && m != tupleForm);
        var buffers = differentiable.Select(p => p.ParameterType.IsByRef || IsScalar(p.ParameterType) ? One(p.ParameterType) : Ones(args[p.Position]!)).ToList();
        var accumulatingArgs = args.Concat(buffers).Append(upstream ?? One(forward.ReturnType)).Append(false).ToArray();
        accumulating.Invoke(null, accumulatingArgs);
        var garbage = differentiable.Select(p => p.ParameterType.IsByRef || IsScalar(p.ParameterType) ? NaN(p.ParameterType) : Filled(args[p.Position]!, double.NaN)).ToList();
        var writtenArgs = args.Concat(garbage).Append(upstream ?? One(forward.ReturnType)).Append(true).ToArray();
        accumulating.Invoke(null, writtenArgs);
        return (forward, args, value, upstream, differentiable, tuple, accumulatingArgs, writtenArgs);
    }

    public static bool IsDifferentiable(ParameterInfo parameter) =>
        parameter.GetCustomAttributes().All(a => a.GetType().Name != "NoGradientAttribute") &&
        (IsScalar(parameter.ParameterType) || parameter.ParameterType == typeof(Tensor<double>) || parameter.ParameterType == typeof(Tensor<float>)
         || parameter.ParameterType == typeof(Tensor<double>[]) || parameter.ParameterType == typeof(Tensor<float>[]) || IsWeightType(parameter.ParameterType));

    /// <summary>A weight object the checker can build: a class with a static Make (see <see cref="CheckAll"/>).</summary>
    private static bool IsWeightType(Type type) => type.IsClass && type.GetMethod("Make", BindingFlags.Public | BindingFlags.Static) is not null;

    /// <summary>The leaves of a weight object (tensors and learned scalars) as arrays to read and write element by element.</summary>
    private static IEnumerable<(Func<int, double> Get, Action<int, double> Set, int Count)> LeavesOf(object model) => Parameters.Leaves(model).Select(l => l.Tensor switch
    {
        ScalarLeaf scalar => ((Func<int, double>)(_ => scalar.Value), (Action<int, double>)((_, v) => scalar.Value = v), 1),
        Tensor<double> t => (i => Values(t)[i], (i, v) => Set(t, i, v), (int)t.FlattenedLength),
        var other => throw new InvalidOperationException("unexpected leaf " + other),
    });

    private static bool IsScalar(Type type) => type == typeof(double) || type == typeof(float) || type == typeof(double).MakeByRefType() || type == typeof(float).MakeByRefType();

    private static object One(Type type) => type == typeof(float) || type == typeof(float).MakeByRefType() ? (object)1f : 1d;

    private static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        var error = Math.Abs(expected - actual) / Math.Max(1, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        Assert.True(error <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (mixed error {error:E2} > {tolerance:E0})");
    }

    /// <summary>Central differences of the objective (the value, or Σ value ⊙ upstream) with respect to one argument.</summary>
    private static double[] Numerical(MethodInfo forward, object?[] args, int index, object? upstream)
    {
        var isFloat = args[index] is float or Tensor<float>;
        var epsilon = isFloat ? 1e-2 : 1e-6;
        double Objective() => Scalarize(forward.Invoke(null, args)!, upstream);
        switch (args[index])
        {
            case double d:
                args[index] = d + epsilon; var plus = Objective();
                args[index] = d - epsilon; var minus = Objective();
                args[index] = d;
                return [(plus - minus) / (2 * epsilon)];
            case float f:
                args[index] = (float)(f + epsilon); var fplus = Objective();
                args[index] = (float)(f - epsilon); var fminus = Objective();
                args[index] = f;
                return [(fplus - fminus) / (2 * epsilon)];
            case Tensor<double> t:
            {
                var flat = Ops.AsSpan(t).ToArray();
                var result = new double[flat.Length];
                for (var i = 0; i < flat.Length; i++)
                {
                    Set(t, i, flat[i] + epsilon); var p = Objective();
                    Set(t, i, flat[i] - epsilon); var m = Objective();
                    Set(t, i, flat[i]);
                    result[i] = (p - m) / (2 * epsilon);
                }
                return result;
            }
            case Tensor<float> t:
            {
                var values = Values(t);
                var result = new double[values.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    SetF(t, i, (float)(values[i] + epsilon)); var p = Objective();
                    SetF(t, i, (float)(values[i] - epsilon)); var m = Objective();
                    SetF(t, i, (float)values[i]);
                    result[i] = (p - m) / (2 * epsilon);
                }
                return result;
            }
            case Tensor<double>[] array:
                return array.SelectMany((element, k) =>
                {
                    var values = new List<double>();
                    for (var i = 0; i < (int)element.FlattenedLength; i++)
                    {
                        var original = Values(element)[i];
                        Set(element, i, original + epsilon); var p = Objective();
                        Set(element, i, original - epsilon); var m = Objective();
                        Set(element, i, original);
                        values.Add((p - m) / (2 * epsilon));
                    }
                    return values;
                }).ToArray();
            case { } model when IsWeightType(model.GetType()):
                return LeavesOf(model).SelectMany(leaf => Enumerable.Range(0, leaf.Count).Select(i =>
                {
                    var original = leaf.Get(i);
                    leaf.Set(i, original + epsilon); var p = Objective();
                    leaf.Set(i, original - epsilon); var m = Objective();
                    leaf.Set(i, original);
                    return (p - m) / (2 * epsilon);
                })).ToList().ToArray();
            default:
                throw new InvalidOperationException("not differentiable: " + args[index]);
        }
    }

    private static void Set(Tensor<double> t, int i, double v) => Ops.AsSpan(t)[i] = v;

    private static void SetF(Tensor<float> t, int i, float v) => Ops.AsSpan(t)[i] = v;

    public static double[] Values(object value) => value switch
    {
        double d => [d],
        float f => [f],
        Tensor<double> t => Ops.AsSpan(t).ToArray(),
        Tensor<float> t => Ops.AsSpan(t).ToArray().Select(v => (double)v).ToArray(),
        Tensor<double>[] array => array.SelectMany(Values).ToArray(),
        _ when IsWeightType(value.GetType()) => LeavesOf(value).SelectMany(l => Enumerable.Range(0, l.Count).Select(l.Get)).ToArray(),
        _ => throw new InvalidOperationException("no values in " + value),
    };

    private static double Scalarize(object value, object? upstream) => upstream is null
        ? Values(value)[0]
        : Values(value).Zip(Values(upstream)).Sum(p => p.First * p.Second);

    private static int[] Shape(object value) => value switch
    {
        Tensor<double> t => t.Lengths.ToArray().Select(l => (int)l).ToArray(),
        Tensor<float> t => t.Lengths.ToArray().Select(l => (int)l).ToArray(),
        _ => [],
    };

    private static object Ones(object like) => Filled(like, 1);

    private static object NaN(Type type) => type == typeof(float) || type == typeof(float).MakeByRefType() ? (object)float.NaN : double.NaN;

    /// <summary>A buffer shaped like <paramref name="like"/> (a tensor, an array of them, a weight object) holding <paramref name="value"/> everywhere.</summary>
    private static object Filled(object like, double value) => like switch
    {
        Tensor<double> t => Embedded(Enumerable.Repeat(value, (int)t.FlattenedLength).ToArray(), t.Lengths.ToArray()),
        Tensor<float> t => Embedded(Enumerable.Repeat((float)value, (int)t.FlattenedLength).ToArray(), t.Lengths.ToArray()),
        Tensor<double>[] array => array.Select(t => (Tensor<double>)Filled(t, value)).ToArray(),
        _ when IsWeightType(like.GetType()) => FilledLike(like, value),
        _ => throw new InvalidOperationException(),
    };

    private static object FilledLike(object model, double value)
    {
        var filled = Parameters.ZerosLike(model);
        foreach (var (_, set, count) in LeavesOf(filled))
        {
            for (var i = 0; i < count; i++) set(i, value);
        }
        return filled;
    }

    private static object? MakeArgument(Type type, int[]? shape, bool positive, Random random, int rows, int columns)
    {
        double Draw()
        {
            if (positive) return 0.5 + 1.5 * random.NextDouble();
            var magnitude = 0.2 + 1.8 * random.NextDouble(); // away from 0: ReLU and |x| have kinks there
            return random.Next(2) == 0 ? magnitude : -magnitude;
        }
        if (type == typeof(double)) return Draw();
        if (type == typeof(float)) return (float)Draw();
        if (type == typeof(int)) return 3;
        if (type == typeof(int[])) return Enumerable.Range(0, rows).Select(i => (i * 2 + 1) % columns).ToArray();
        if (IsWeightType(type))
        {
            Func<int[], Tensor<double>> tensor = s => (Tensor<double>)MakeArgument(typeof(Tensor<double>), s, positive, random, rows, columns)!;
            Func<double> scalar = () => (double)MakeArgument(typeof(double), null, positive, random, rows, columns)!;
            return type.GetMethod("Make", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [tensor, scalar]);
        }
        if (type == typeof(Tensor<double>[]))
        {
            var elementShape = (shape ?? throw new InvalidOperationException("no shape for an array parameter")).Skip(1).ToArray();
            return Enumerable.Range(0, shape[0]).Select(_ => (Tensor<double>)MakeArgument(typeof(Tensor<double>), elementShape, positive, random, rows, columns)!).ToArray();
        }
        var lengths = (shape ?? throw new InvalidOperationException("no shape for a tensor parameter")).Select(l => (nint)l).ToArray();
        var count = shape.Aggregate(1, (a, b) => a * b);
        if (type == typeof(Tensor<double>)) return Embedded(Enumerable.Range(0, count).Select(_ => Draw()).ToArray(), lengths);
        if (type == typeof(Tensor<float>)) return Embedded(Enumerable.Range(0, count).Select(_ => (float)Draw()).ToArray(), lengths);
        throw new InvalidOperationException("cannot make an argument of type " + type);
    }

    /// <summary>
    /// A dense row-major tensor of <paramref name="values"/> that starts <see cref="Margin"/> elements into a larger array,
    /// between NaNs: a kernel that reads from the array's start instead of the tensor's (as <c>Dense.Span</c> did for any
    /// tensor with a start offset) or past its end turns the gradient into NaN and fails the check.
    /// </summary>
    private static Tensor<T> Embedded<T>(T[] values, nint[] lengths) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        if (values.Length == 0) return Tensor.Create(values, lengths);
        var array = Enumerable.Repeat(T.NaN, values.Length + 2 * Margin).ToArray();
        values.CopyTo(array, Margin);
        return TensorShape.DenseAt(array, Margin, lengths);
    }

    private const int Margin = 5;
}
