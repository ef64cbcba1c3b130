using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

public static partial class Ops
{
    /// <summary>
    /// A zero gradient for an array of tensors: a new array of dense zero tensors, each shaped like its element
    /// (the gradient of a <c>Tensor&lt;T&gt;[]</c> parameter has the shape of the parameter).
    /// </summary>
    /// <exception cref="ArgumentNullException">The array or one of its elements is null.</exception>
    public static Tensor<T>[] ZerosLike<T>(Tensor<T>[] values) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        var zeros = new Tensor<T>[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null) throw new ArgumentNullException(nameof(values), "ZerosLike: element " + i + " of the array is null.");
            zeros[i] = ZerosLike(values[i]);
        }
        return zeros;
    }
}
