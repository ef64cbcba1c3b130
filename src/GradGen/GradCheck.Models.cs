using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace GradGen;

public static partial class GradCheck
{
    /// <summary>
    /// Checks the gradient of a scalar function of a whole weight object in one call: every tensor and every learned scalar
    /// of <paramref name="model"/> (the leaves of <see cref="Parameters.Leaves{T}"/>) against the same leaf of
    /// <paramref name="gradient"/> (e.g. the <c>dSelf</c> or <c>dModel</c> a generated backward filled). Each leaf's
    /// elements are perturbed in place and restored.
    /// </summary>
    /// <param name="f">The loss of the model, evaluated on <paramref name="model"/> as it is (perturbed in place).</param>
    /// <param name="model">The point.</param>
    /// <param name="gradient">∂f/∂model, an object of the same type and shapes.</param>
    /// <param name="epsilon">The finite-difference step, or null for each leaf's element type's default.</param>
    /// <param name="tolerance">The largest acceptable mixed error, or null for each leaf's element type's default.</param>
    /// <returns>One result per leaf, with its path (<c>Layers[1].W</c>), in the order of <see cref="Parameters.Leaves{T}"/>.</returns>
    /// <exception cref="ArgumentException">The gradient's leaves do not pair with the model's (another type or shape).</exception>
    public static IReadOnlyList<(string Path, GradCheckResult Result)> Check<TModel>(Func<TModel, double> f, TModel model, TModel gradient, double? epsilon = null, double? tolerance = null)
        where TModel : class
    {
        ArgumentNullException.ThrowIfNull(f);
        var leaves = Parameters.Leaves(model);
        var gradients = Parameters.Leaves(gradient);
        if (leaves.Count != gradients.Count) throw new ArgumentException($"GradCheck.Check: the model has {leaves.Count} leaves, the gradient {gradients.Count}.", nameof(gradient));
        var results = new List<(string, GradCheckResult)>(leaves.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            var (path, leaf) = leaves[i];
            var analytic = gradients[i].Tensor;
            results.Add((path, (leaf, analytic) switch
            {
                (Tensor<double> x, Tensor<double> dX) => Check(_ => f(model), x, dX, epsilon, tolerance),
                (Tensor<float> x, Tensor<float> dX) => Check(_ => (float)f(model), x, dX, epsilon, tolerance),
                (ScalarLeaf x, ScalarLeaf dX) when x.Type == typeof(float) => Scalar<float>(() => f(model), x, dX, epsilon, tolerance),
                (ScalarLeaf x, ScalarLeaf dX) => Scalar<double>(() => f(model), x, dX, epsilon, tolerance),
                _ => throw new ArgumentException($"GradCheck.Check: leaf {path} of the model ({leaf.GetType().Name}) does not pair with the gradient's ({analytic.GetType().Name}).", nameof(gradient)),
            }));
        }
        return results;
    }

    private static GradCheckResult Scalar<T>(Func<double> f, ScalarLeaf x, ScalarLeaf dX, double? epsilon, double? tolerance)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var original = x.Value;
        try
        {
            return Check<T>(v =>
            {
                x.Value = double.CreateChecked(v);
                return T.CreateChecked(f());
            }, T.CreateChecked(original), T.CreateChecked(dX.Value), epsilon, tolerance);
        }
        finally
        {
            x.Value = original;
        }
    }
}
