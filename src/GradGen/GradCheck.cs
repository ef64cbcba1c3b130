using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// Checks analytic gradients (e.g. from a generated <c>Backward</c> method) against central finite differences
/// (f(x + ε) − f(x − ε)) / 2ε. Function values and differences are computed in <see cref="double"/> whatever T is.
/// </summary>
/// <remarks>
/// <para>Defaults, chosen from the precision of T (its unit roundoff u = 1 − BitDecrement(1)):</para>
/// <list type="bullet">
/// <item><description><see cref="double"/> (u ≤ 1e-15): ε = 1e-6, tolerance = 1e-6.</description></item>
/// <item><description><see cref="float"/> (u ≤ 1e-7): ε = 1e-3, tolerance = 1e-2.</description></item>
/// <item><description>Lower precision such as <see cref="Half"/>: ε = 1e-2, tolerance = 1e-1.</description></item>
/// </list>
/// <para>The error of one element is the mixed error |a − n| / max(1, |a|, |n|) of analytic a and numerical n, and a
/// check passes when the largest error is at most the tolerance. Perturbed inputs are rounded to T, so the step
/// actually taken, (x + ε) − (x − ε) after rounding, is the one divided by. Checks cost two evaluations of f per
/// element: use small tensors. Avoid points where f is not differentiable (e.g. ReLU inputs within ε of 0).</para>
/// </remarks>
public static partial class GradCheck
{
    /// <summary>
    /// Checks the gradient <paramref name="analytic"/> of a scalar function <paramref name="f"/> at
    /// <paramref name="x"/>. Each element of <paramref name="x"/> is perturbed in place and restored afterwards.
    /// </summary>
    /// <param name="f">The function; it must not keep or modify its argument.</param>
    /// <param name="x">The point; may be a strided view.</param>
    /// <param name="analytic">∂f/∂x, the same shape as <paramref name="x"/>.</param>
    /// <param name="epsilon">The finite-difference step, or null for T's default.</param>
    /// <param name="tolerance">The largest acceptable mixed error, or null for T's default.</param>
    public static GradCheckResult Check<T>(Func<Tensor<T>, T> f, Tensor<T> x, Tensor<T> analytic, double? epsilon = null, double? tolerance = null)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(analytic);
        TensorShape.RequireSameShape("GradCheck.Check", nameof(x), x.Lengths, nameof(analytic), analytic.Lengths);
        (double eps, double tol) = Settings<T>(epsilon, tolerance);
        double[] numerical = Differentiate(x, eps, t => double.CreateChecked(f(t)));
        return Compare(Dense.Read(analytic), numerical, x.Lengths, eps, tol);
    }

    /// <summary>
    /// Checks a vector-Jacobian product of a tensor-valued function: <paramref name="analytic"/> must be the gradient
    /// of Σ f(x) ⊙ <paramref name="dY"/> with respect to <paramref name="x"/> (what a backward pass seeded with
    /// <paramref name="dY"/> computes). Each element of <paramref name="x"/> is perturbed in place and restored.
    /// </summary>
    /// <param name="f">The function; its result must have <paramref name="dY"/>'s shape.</param>
    /// <param name="x">The point; may be a strided view.</param>
    /// <param name="dY">The upstream gradient (the weights of the outputs).</param>
    /// <param name="analytic">The vector-Jacobian product, the same shape as <paramref name="x"/>.</param>
    /// <param name="epsilon">The finite-difference step, or null for T's default.</param>
    /// <param name="tolerance">The largest acceptable mixed error, or null for T's default.</param>
    public static GradCheckResult Check<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, Tensor<T> dY, Tensor<T> analytic, double? epsilon = null, double? tolerance = null)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(analytic);
        TensorShape.RequireSameShape("GradCheck.Check", nameof(x), x.Lengths, nameof(analytic), analytic.Lengths);
        (double eps, double tol) = Settings<T>(epsilon, tolerance);
        T[] weights = Dense.Read(dY).ToArray();
        double[] numerical = Differentiate(x, eps, t =>
        {
            Tensor<T> y = f(t) ?? throw new InvalidOperationException("GradCheck.Check: f returned null.");
            TensorShape.RequireSameShape("GradCheck.Check", "f(x)", y.Lengths, nameof(dY), dY.Lengths);
            ReadOnlySpan<T> values = Dense.Read(y);
            double total = 0;
            for (int i = 0; i < values.Length; i++) total += double.CreateChecked(values[i]) * double.CreateChecked(weights[i]);
            return total;
        });
        return Compare(Dense.Read(analytic), numerical, x.Lengths, eps, tol);
    }

    /// <summary>Checks the derivative <paramref name="analytic"/> of a scalar function at <paramref name="x"/>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="x">The point.</param>
    /// <param name="analytic">f′(x).</param>
    /// <param name="epsilon">The finite-difference step, or null for T's default.</param>
    /// <param name="tolerance">The largest acceptable mixed error, or null for T's default.</param>
    public static GradCheckResult Check<T>(Func<T, T> f, T x, T analytic, double? epsilon = null, double? tolerance = null)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        (double eps, double tol) = Settings<T>(epsilon, tolerance);
        double center = double.CreateChecked(x);
        T plus = T.CreateChecked(center + eps), minus = T.CreateChecked(center - eps);
        double step = double.CreateChecked(plus) - double.CreateChecked(minus);
        double numerical = (double.CreateChecked(f(plus)) - double.CreateChecked(f(minus))) / step;
        double a = double.CreateChecked(analytic);
        return new GradCheckResult(1, MixedError(a, numerical), 0, Array.Empty<nint>(), a, numerical, eps, tol);
    }

    /// <summary>
    /// The central-difference gradient of a scalar function <paramref name="f"/> at <paramref name="x"/>, as a new
    /// dense tensor of <paramref name="x"/>'s shape. Each element of <paramref name="x"/> is perturbed in place and restored.
    /// </summary>
    /// <param name="f">The function; it must not keep or modify its argument.</param>
    /// <param name="x">The point; may be a strided view.</param>
    /// <param name="epsilon">The finite-difference step, or null for T's default.</param>
    public static Tensor<T> Numerical<T>(Func<Tensor<T>, T> f, Tensor<T> x, double? epsilon = null)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        (double eps, _) = Settings<T>(epsilon, null);
        double[] numerical = Differentiate(x, eps, t => double.CreateChecked(f(t)));
        var result = new T[numerical.Length];
        for (int i = 0; i < result.Length; i++) result[i] = T.CreateChecked(numerical[i]);
        return Dense.Wrap(result, x.Lengths);
    }

    /// <summary>The default finite-difference step and tolerance for element type T (see the class remarks).</summary>
    internal static (double Epsilon, double Tolerance) Defaults<T>() where T : IFloatingPointIeee754<T>
    {
        double unitRoundoff = double.CreateChecked(T.One - T.BitDecrement(T.One));
        if (unitRoundoff <= 1e-15) return (1e-6, 1e-6);
        if (unitRoundoff <= 1e-7) return (1e-3, 1e-2);
        return (1e-2, 1e-1);
    }

    private static (double Epsilon, double Tolerance) Settings<T>(double? epsilon, double? tolerance) where T : IFloatingPointIeee754<T>
    {
        (double defaultEpsilon, double defaultTolerance) = Defaults<T>();
        double eps = epsilon ?? defaultEpsilon, tol = tolerance ?? defaultTolerance;
        if (!(eps > 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(epsilon), eps, "GradCheck: epsilon must be positive and finite.");
        if (!(tol >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tol, "GradCheck: tolerance must be non-negative.");
        return (eps, tol);
    }

    /// <summary>Central differences of <paramref name="g"/> with respect to every element of <paramref name="x"/>, in row-major order.</summary>
    private static double[] Differentiate<T>(Tensor<T> x, double eps, Func<Tensor<T>, double> g) where T : IFloatingPointIeee754<T>
    {
        var numerical = new double[checked((int)x.FlattenedLength)];
        var position = new nint[x.Rank];
        for (int i = 0; i < numerical.Length; i++)
        {
            T original = x[position];
            double center = double.CreateChecked(original);
            T plus = T.CreateChecked(center + eps), minus = T.CreateChecked(center - eps);
            double step = double.CreateChecked(plus) - double.CreateChecked(minus);
            try
            {
                x[position] = plus;
                double high = g(x);
                x[position] = minus;
                double low = g(x);
                numerical[i] = (high - low) / step;
            }
            finally
            {
                x[position] = original;
            }
            Increment(position, x.Lengths);
        }
        return numerical;
    }

    private static GradCheckResult Compare<T>(ReadOnlySpan<T> analytic, double[] numerical, ReadOnlySpan<nint> lengths, double eps, double tol)
        where T : IFloatingPointIeee754<T>
    {
        double maxError = 0;
        int worst = 0;
        for (int i = 0; i < numerical.Length; i++)
        {
            double error = MixedError(double.CreateChecked(analytic[i]), numerical[i]);
            if (!double.IsNaN(maxError) && (double.IsNaN(error) || error > maxError))
            {
                maxError = error;
                worst = i;
            }
        }
        var position = new nint[lengths.Length];
        for (int d = lengths.Length - 1, rest = worst; d >= 0 && lengths[d] > 0; d--)
        {
            position[d] = rest % lengths[d];
            rest = (int)(rest / lengths[d]);
        }
        double worstAnalytic = numerical.Length == 0 ? 0 : double.CreateChecked(analytic[worst]);
        double worstNumerical = numerical.Length == 0 ? 0 : numerical[worst];
        return new GradCheckResult(numerical.Length, maxError, worst, position, worstAnalytic, worstNumerical, eps, tol);
    }

    /// <summary>|a − n| / max(1, |a|, |n|); NaN when either is NaN.</summary>
    private static double MixedError(double analytic, double numerical)
        => Math.Abs(analytic - numerical) / Math.Max(1.0, Math.Max(Math.Abs(analytic), Math.Abs(numerical)));

    /// <summary>Advances a row-major multi-index by one.</summary>
    private static void Increment(nint[] position, ReadOnlySpan<nint> lengths)
    {
        for (int d = position.Length - 1; d >= 0; d--)
        {
            if (++position[d] < lengths[d]) return;
            position[d] = 0;
        }
    }
}
