using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// What a training loop needs for a weight object — a class or record holding tensors, arrays of tensors, and nested
/// weight objects or arrays of them (per-layer weights), in the manner of a PyTorch module — and for an array of
/// tensors: a zero gradient shaped like it, clearing a gradient, and a walk over its leaves (for optimizers and
/// <see cref="GradCheck"/>). The leaves are the tensors and the learned scalars — <c>float</c>/<c>double</c> members that
/// are not readonly (<see cref="ScalarLeaf"/>); other members (an <c>int</c> head count, a name, a readonly constant, a
/// member marked <see cref="NoGradientAttribute"/>) are copied as they are.
/// </summary>
/// <remarks>
/// The gradient of a weight object is an instance of the same type whose tensors have the shapes of the model's
/// (Rule 1 at the level of the whole model). A model whose walk meets a null tensor, the same tensor twice (a tensor
/// shared between two members: tie weights by using one member twice instead), or a cycle is refused with an
/// <see cref="ArgumentException"/>: its gradient would be ambiguous.
/// </remarks>
public static class Parameters
{
    /// <summary>A new gradient shaped like <paramref name="model"/>: the same type, every tensor a dense zero tensor of its shape, every scalar leaf 0.</summary>
    /// <exception cref="ArgumentException">A null or shared tensor, or a cycle.</exception>
    public static T ZerosLike<T>(T model) where T : class
    {
        ArgumentNullException.ThrowIfNull(model);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        return (T)Zeros(model, seen, "model");
    }

    /// <summary>
    /// Sets every tensor and scalar leaf of a gradient (or model) to zero: the fast way to reset gradients between steps.
    /// Allocates nothing once the model's type has been seen (a training loop calls it every step).
    /// </summary>
    /// <exception cref="ArgumentException">A null tensor or member, or a model nested deeper than 64 levels (a cycle).</exception>
    public static void Clear<T>(T gradient) where T : class
    {
        ArgumentNullException.ThrowIfNull(gradient);
        Clear(gradient, gradient, 0);
    }

    private const int MaxDepth = 64;
    private static readonly object FloatZero = 0f, DoubleZero = 0d;

    /// <summary>Clears <paramref name="value"/>'s leaves without building paths; on bad input, <see cref="Leaves{T}"/> explains.</summary>
    private static void Clear(object root, object? value, int depth)
    {
        if (value is null || depth > MaxDepth)
        {
            Leaves(root); // throws with the path of the null member, or of the object reached twice
            throw new ArgumentException("Parameters.Clear: the model nests deeper than " + MaxDepth + " levels.", "gradient");
        }
        switch (value)
        {
            case Tensor<float> f: Ops.Clear(f); return;
            case Tensor<double> d: Ops.Clear(d); return;
            case object?[] array:
                foreach (var element in array) Clear(root, element, depth + 1);
                return;
            case IList list when !value.GetType().IsArray:
                foreach (var element in list) Clear(root, element, depth + 1);
                return;
            case Array:
                Leaves(root); // a multi-dimensional array: refused as Leaves and ZerosLike refuse it
                return;
            default:
                foreach (var field in FieldsOf(value.GetType()))
                {
                    if (IsScalarLeaf(field)) field.SetValue(value, field.FieldType == typeof(float) ? FloatZero : DoubleZero);
                    else if (IsDifferentiable(field)) Clear(root, field.GetValue(value), depth + 1);
                }
                return;
        }
    }

    /// <summary>
    /// The leaves of a model in a fixed order (declaration order, depth first), each with its path (<c>Layers[1].W</c>):
    /// the tensors, and for each learned scalar member a <see cref="ScalarLeaf"/> through which it is read and assigned.
    /// Two models of the same type and shapes (a model and its gradient) list their leaves in the same order.
    /// </summary>
    /// <exception cref="ArgumentException">A null or shared tensor, or a cycle.</exception>
    public static IReadOnlyList<(string Path, object Tensor)> Leaves<T>(T model) where T : class
    {
        ArgumentNullException.ThrowIfNull(model);
        var leaves = new List<(string, object)>();
        Walk(model, "", leaves, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return leaves;
    }

    /// <summary>The tensors of a model of <c>float</c> tensors, in the order of <see cref="Leaves{T}"/> (for optimizers).</summary>
    /// <exception cref="ArgumentException">The model has a scalar leaf (an optimizer over its tensors would never update it), or a null or shared tensor, or a cycle.</exception>
    public static Tensor<float>[] Tensors<T>(T model) where T : class => OnlyTensors(model, nameof(Tensors)).OfType<Tensor<float>>().ToArray();

    /// <summary>The tensors of a model of <c>double</c> tensors, in the order of <see cref="Leaves{T}"/> (for optimizers).</summary>
    /// <exception cref="ArgumentException">The model has a scalar leaf (an optimizer over its tensors would never update it), or a null or shared tensor, or a cycle.</exception>
    public static Tensor<double>[] DoubleTensors<T>(T model) where T : class => OnlyTensors(model, nameof(DoubleTensors)).OfType<Tensor<double>>().ToArray();

    private static IEnumerable<object> OnlyTensors<T>(T model, string caller) where T : class
    {
        var leaves = Leaves(model);
        foreach (var (path, leaf) in leaves)
        {
            if (leaf is ScalarLeaf)
            {
                throw new ArgumentException("Parameters." + caller + ": '" + path + "' is a learned scalar (a float/double member that is not readonly); an optimizer given only the tensors would never update it. "
                    + "Update scalar leaves through Parameters.Leaves (a ScalarLeaf is read and assigned), store the value as a one-element tensor, or mark the member [NoGradient] if it is not learned.", nameof(model));
            }
        }
        return leaves.Select(l => l.Tensor);
    }

    private static object Zeros(object value, HashSet<object> seen, string path)
    {
        if (!seen.Add(value)) throw new ArgumentException("Parameters: '" + path + "' is reached twice (a shared tensor or object, or a cycle); a weight object's gradient needs each tensor once.", nameof(value));
        switch (value)
        {
            case Tensor<float> f: return Ops.ZerosLike(f);
            case Tensor<double> d: return Ops.ZerosLike(d);
            case Array array:
            {
                var copy = Array.CreateInstance(array.GetType().GetElementType()!, array.Length);
                for (var i = 0; i < array.Length; i++)
                {
                    var element = array.GetValue(i) ?? throw new ArgumentException("Parameters: '" + path + "[" + i + "]' is null.", nameof(value));
                    copy.SetValue(Zeros(element, seen, path + "[" + i + "]"), i);
                }
                return copy;
            }
            case IList list when IsList(value.GetType(), out _):
            {
                // A List<T> of tensors or layers: a new list of the same type (an IReadOnlyList<T> member holding one gets one).
                if (!value.GetType().IsGenericType || value.GetType().GetGenericTypeDefinition() != typeof(List<>))
                {
                    throw new ArgumentException("Parameters: '" + path + "' is a " + value.GetType().Name + "; a list of weights must be a List<T> or an array.", nameof(value));
                }
                var copy = (IList)Activator.CreateInstance(value.GetType(), list.Count)!;
                for (var i = 0; i < list.Count; i++)
                {
                    copy.Add(Zeros(list[i] ?? throw new ArgumentException("Parameters: '" + path + "[" + i + "]' is null.", nameof(value)), seen, path + "[" + i + "]"));
                }
                return copy;
            }
            default:
            {
                var type = value.GetType();
                var copy = RuntimeHelpers.GetUninitializedObject(type);
                foreach (var field in FieldsOf(type))
                {
                    if (IsScalarLeaf(field)) continue; // a learned scalar: its gradient starts at 0 (the uninitialized object's)
                    var member = field.GetValue(value);
                    field.SetValue(copy, IsDifferentiable(field)
                        ? Zeros(member ?? throw new ArgumentException("Parameters: '" + path + "." + Name(field) + "' is null.", nameof(value)), seen, path + "." + Name(field))
                        : member);
                }
                return copy;
            }
        }
    }

    private static void Walk(object value, string path, List<(string, object)> leaves, HashSet<object> seen)
    {
        if (!seen.Add(value)) throw new ArgumentException("Parameters: '" + path + "' is reached twice (a shared tensor or object, or a cycle).", nameof(value));
        switch (value)
        {
            case Tensor<float> or Tensor<double>:
                leaves.Add((path, value));
                return;
            case Array array:
                for (var i = 0; i < array.Length; i++)
                {
                    Walk(array.GetValue(i) ?? throw new ArgumentException("Parameters: '" + path + "[" + i + "]' is null.", nameof(value)), path + "[" + i + "]", leaves, seen);
                }
                return;
            case IList list when IsList(value.GetType(), out _):
                for (var i = 0; i < list.Count; i++)
                {
                    Walk(list[i] ?? throw new ArgumentException("Parameters: '" + path + "[" + i + "]' is null.", nameof(value)), path + "[" + i + "]", leaves, seen);
                }
                return;
            default:
                foreach (var field in FieldsOf(value.GetType()))
                {
                    if (IsScalarLeaf(field))
                    {
                        leaves.Add((Join(path, Name(field)), new ScalarLeaf(value, field)));
                        continue;
                    }
                    if (!IsDifferentiable(field)) continue;
                    var member = field.GetValue(value) ?? throw new ArgumentException("Parameters: '" + Join(path, Name(field)) + "' is null.", nameof(value));
                    Walk(member, Join(path, Name(field)), leaves, seen);
                }
                return;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static readonly ConcurrentDictionary<Type, FieldInfo[]> Fields = new();

    /// <summary>The instance fields of a type and its base types, in declaration order (auto-properties through their backing fields).</summary>
    private static FieldInfo[] FieldsOf(Type type) => Fields.GetOrAdd(type, static t =>
    {
        var chain = new List<Type>();
        for (var current = t; current is not null && current != typeof(object); current = current.BaseType) chain.Insert(0, current);
        return chain.SelectMany(c => c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .OrderBy(f => f.MetadataToken).ToArray();
    });

    /// <summary>The member name a field stands for: <c>W</c> for the backing field <c>&lt;W&gt;k__BackingField</c>.</summary>
    private static string Name(FieldInfo field) => field.Name.StartsWith('<') ? field.Name[1..field.Name.IndexOf('>')] : field.Name;

    /// <summary>A learned scalar: a float/double field that is not readonly and not [NoGradient].</summary>
    private static bool IsScalarLeaf(FieldInfo field) => ScalarLeaf.Is(field) && !IsConstant(field);

    /// <summary>A member that holds leaves: differentiable by type and not [NoGradient].</summary>
    private static bool IsDifferentiable(FieldInfo field) => IsDifferentiable(field.FieldType) && !IsConstant(field);

    /// <summary>A field marked [NoGradient], or the backing field of an auto-property marked so: a constant, copied as it is.</summary>
    private static bool IsConstant(FieldInfo field) => Constants.GetOrAdd(field, static f =>
        f.IsDefined(typeof(NoGradientAttribute), inherit: false)
        || f.Name.StartsWith('<') && f.DeclaringType!.GetProperty(Name(f), BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) is { } property
           && property.IsDefined(typeof(NoGradientAttribute), inherit: false));

    private static readonly ConcurrentDictionary<FieldInfo, bool> Constants = new();

    private static bool IsDifferentiable(Type type) => Differentiable.GetOrAdd(type, static t => HoldsLeaves(t));

    private static readonly ConcurrentDictionary<Type, bool> Differentiable = new();

    private static bool HoldsLeaves(Type type) =>
        type == typeof(Tensor<float>) || type == typeof(Tensor<double>)
        || type.IsArray && IsDifferentiable(type.GetElementType()!)
        || IsList(type, out var element) && IsDifferentiable(element)
        || type.IsClass && type != typeof(string) && !typeof(Delegate).IsAssignableFrom(type) && !typeof(IEnumerable).IsAssignableFrom(type) && HasTensor(type, new HashSet<Type>());

    /// <summary>
    /// True for <c>List&lt;T&gt;</c>, <c>IList&lt;T&gt;</c> and <c>IReadOnlyList&lt;T&gt;</c> and any type implementing one (a list
    /// of layers or tensors is walked like an array; only a <c>List&lt;T&gt;</c> or an array can be rebuilt as a gradient).
    /// </summary>
    private static bool IsList(Type type, out Type element)
    {
        foreach (var candidate in type.GetInterfaces().Prepend(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() is var definition
                && (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)))
            {
                element = candidate.GetGenericArguments()[0];
                return true;
            }
        }
        element = typeof(object);
        return false;
    }

    private static bool HasTensor(Type type, HashSet<Type> visiting)
    {
        if (type == typeof(Tensor<float>) || type == typeof(Tensor<double>)) return true;
        if (type.IsArray) return HasTensor(type.GetElementType()!, visiting);
        if (IsList(type, out var element)) return HasTensor(element, visiting);
        if (!type.IsClass || type == typeof(string) || !visiting.Add(type)) return false;
        return FieldsOf(type).Any(f => HasTensor(f.FieldType, visiting));
    }
}
