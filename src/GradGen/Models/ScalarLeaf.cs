using System;
using System.Reflection;

namespace GradGen;

/// <summary>
/// A <c>float</c> or <c>double</c> member of a weight object that is learned like its tensors (a temperature, a gate, a
/// scale): a field that is not readonly, or an auto-property with a setter, not marked <see cref="NoGradientAttribute"/>. <see cref="Parameters.Leaves{T}"/> lists it
/// with this handle, through which it is read and assigned (for <see cref="GradCheck"/>, an optimizer step, clearing).
/// </summary>
/// <remarks>
/// A tensor is a reference whose contents kernels and optimizers update in place; a scalar is a value, so the generated
/// pullback adds ∂L/∂member into the gradient object's member and an optimizer must assign the model's. That is why a
/// learned scalar member must be writable (a readonly, init-only or get-only one read by a <c>[Differentiable]</c> method
/// is GG0003), and why <see cref="Parameters.Tensors{T}"/> refuses a model that has one: a tensor optimizer such as
/// <see cref="AdamW{T}"/> would never update it.
/// </remarks>
public sealed class ScalarLeaf
{
    private readonly object _owner;
    private readonly FieldInfo _field;

    internal ScalarLeaf(object owner, FieldInfo field)
    {
        _owner = owner;
        _field = field;
    }

    /// <summary><c>typeof(float)</c> or <c>typeof(double)</c>: the member's type.</summary>
    public Type Type => _field.FieldType;

    /// <summary>The member's value, widened to double; assigning rounds to the member's type.</summary>
    public double Value
    {
        get => _field.FieldType == typeof(float) ? (float)_field.GetValue(_owner)! : (double)_field.GetValue(_owner)!;
        set => _field.SetValue(_owner, _field.FieldType == typeof(float) ? (object)(float)value : value);
    }

    /// <summary>True for a field that is a scalar leaf: float or double, not readonly (auto-properties with a setter included).</summary>
    internal static bool Is(FieldInfo field) => (field.FieldType == typeof(float) || field.FieldType == typeof(double)) && !field.IsInitOnly;

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
