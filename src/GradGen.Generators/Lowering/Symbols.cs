using System.Collections.Generic;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>Recognises the types and members GradGen understands, by symbol (never by the text the user typed).</summary>
internal static class Symbols
{
    public const string DifferentiableAttribute = "GradGen.DifferentiableAttribute";
    public const string NoGradientAttribute = "GradGen.NoGradientAttribute";
    public const string DerivativeOfAttribute = "GradGen.DerivativeOfAttribute";
    public const string ShapeAttribute = "GradGen.ShapeAttribute";

    public static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Classifies a type: float/double scalars, Tensor&lt;float|double&gt;, or passive (anything else).</summary>
    public static IrType Classify(ITypeSymbol? type)
    {
        switch (type?.SpecialType)
        {
            case SpecialType.System_Single: return new IrType(ValueKind.Scalar, ElementType.Float, "float");
            case SpecialType.System_Double: return new IrType(ValueKind.Scalar, ElementType.Double, "double");
        }
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && IsTensorType(named))
        {
            switch (named.TypeArguments[0].SpecialType)
            {
                case SpecialType.System_Single: return new IrType(ValueKind.Tensor, ElementType.Float, "global::System.Numerics.Tensors.Tensor<float>");
                case SpecialType.System_Double: return new IrType(ValueKind.Tensor, ElementType.Double, "global::System.Numerics.Tensors.Tensor<double>");
            }
        }
        if (type is IArrayTypeSymbol { Rank: 1 } array && Classify(array.ElementType) is { Kind: ValueKind.Tensor or ValueKind.Container } element)
        {
            // An array of tensors or of weight objects: differentiable as a whole, its gradient an array of the same shapes.
            return new IrType(ValueKind.Container, element.Element, type.ToDisplayString(Qualified));
        }
        if (ListElement(type) is { } item && Classify(item) is { Kind: ValueKind.Tensor or ValueKind.Container } listElement)
        {
            // A List<T>, IList<T> or IReadOnlyList<T> of tensors or weight objects: like an array, its gradient a list of the same shapes.
            return new IrType(ValueKind.Container, listElement.Element, type!.ToDisplayString(Qualified));
        }
        if (type is INamedTypeSymbol named2 && WeightElement(named2, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default)) is { } weightElement)
        {
            // A weight object: a class or record holding tensors (directly, in arrays or in nested weight objects).
            return new IrType(ValueKind.Container, weightElement, type.ToDisplayString(Qualified));
        }
        return new IrType(ValueKind.Passive, ElementType.Double, type?.ToDisplayString(Qualified) ?? "object");
    }

    /// <summary>
    /// The element type of the tensors a weight type holds (through its instance fields and auto-properties, arrays and
    /// nested weight types), or null when it is not a weight type: a class or record (not a struct: a copy would
    /// accumulate gradients into nothing) declared outside the System namespaces, with at least one tensor.
    /// </summary>
    private static ElementType? WeightElement(INamedTypeSymbol type, HashSet<ITypeSymbol> visiting)
    {
        if (type.TypeKind != TypeKind.Class || type.SpecialType != SpecialType.None || IsTensorType(type) || !visiting.Add(type)) return null;
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name == "System") return null;
        }
        foreach (var member in InstanceMembers(type))
        {
            var fieldType = MemberType(member);
            while (fieldType is IArrayTypeSymbol || ListElement(fieldType) is not null) fieldType = fieldType is IArrayTypeSymbol array ? array.ElementType : ListElement(fieldType)!;
            if (fieldType is INamedTypeSymbol named && IsTensorType(named) && named.TypeArguments.Length == 1)
            {
                if (named.TypeArguments[0].SpecialType == SpecialType.System_Single) return ElementType.Float;
                if (named.TypeArguments[0].SpecialType == SpecialType.System_Double) return ElementType.Double;
            }
            else if (fieldType is INamedTypeSymbol nested && WeightElement(nested, visiting) is { } element)
            {
                return element;
            }
        }
        return null;
    }

    /// <summary>The instance fields and (non-indexer) properties of a type and its base types, as the user declared them.</summary>
    public static IEnumerable<ISymbol> InstanceMembers(INamedTypeSymbol type)
    {
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } or IPropertySymbol { IsStatic: false, IsIndexer: false }) yield return member;
            }
        }
    }

    /// <summary>
    /// The element type of <c>System.Collections.Generic</c>'s <c>List&lt;T&gt;</c>, <c>IList&lt;T&gt;</c> or
    /// <c>IReadOnlyList&lt;T&gt;</c> (indexed like an array, counted by <c>Count</c>), or null.
    /// </summary>
    public static ITypeSymbol? ListElement(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && named.OriginalDefinition.Name is "List" or "IList" or "IReadOnlyList"
        && named.ContainingType is null && IsNamespace(named.ContainingNamespace, "System", "Collections", "Generic") ? named.TypeArguments[0] : null;

    /// <summary>The type of a field or property.</summary>
    public static ITypeSymbol MemberType(ISymbol member) => member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;

    /// <summary>True for <c>System.Numerics.Tensors.Tensor&lt;T&gt;</c>.</summary>
    public static bool IsTensorType(INamedTypeSymbol type) =>
        type.OriginalDefinition is { Name: "Tensor", Arity: 1 } def && IsNamespace(def.ContainingNamespace, "System", "Numerics", "Tensors");

    /// <summary>True for a member of the static class <c>System.Numerics.Tensors.Tensor</c>, including the C# 14 extension blocks nested in it (where its operators live).</summary>
    public static bool IsTensorStaticMember(ISymbol member)
    {
        for (var type = member.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type is { Name: "Tensor", Arity: 0, ContainingType: null } && IsNamespace(type.ContainingNamespace, "System", "Numerics", "Tensors")) return true;
        }
        return false;
    }

    public static bool IsType(INamedTypeSymbol? type, string ns, string name) =>
        type is not null && type.Name == name && type.ContainingType is null && IsNamespace(type.ContainingNamespace, ns.Split('.'));

    /// <summary>
    /// The override of <paramref name="member"/> (a method or property) that a call or read through a receiver of type
    /// <paramref name="receiver"/> reaches when the receiver's type is sealed: the last one between it and the member's type,
    /// or null when none lies between them (the member itself is reached).
    /// </summary>
    public static ISymbol? OverrideReached(ISymbol member, ITypeSymbol receiver)
    {
        for (var type = receiver as INamedTypeSymbol; type is not null && !SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, member.ContainingType.OriginalDefinition); type = type.BaseType)
        {
            foreach (var candidate in type.GetMembers(member.Name))
            {
                for (var overridden = Overridden(candidate); overridden is not null; overridden = Overridden(overridden))
                {
                    if (SymbolEqualityComparer.Default.Equals(overridden.OriginalDefinition, member.OriginalDefinition)) return candidate;
                }
            }
        }
        return null;
    }

    private static ISymbol? Overridden(ISymbol symbol) => symbol switch
    {
        IMethodSymbol method => method.OverriddenMethod,
        IPropertySymbol property => property.OverriddenProperty,
        _ => null,
    };

    public static bool HasAttribute(ISymbol symbol, string fullName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == fullName) return true;
        }
        return false;
    }

    /// <summary>The value of a named argument of the symbol's attribute (<c>[Differentiable(Plan = false)]</c>), or null when it is not given.</summary>
    public static object? NamedArgument(ISymbol symbol, string attributeName, string argument)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != attributeName) continue;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == argument) return named.Value.Value;
            }
        }
        return null;
    }

    private static bool IsNamespace(INamespaceSymbol? ns, params string[] parts)
    {
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            if (ns is null || ns.Name != parts[i]) return false;
            ns = ns.ContainingNamespace;
        }
        return ns is { IsGlobalNamespace: true };
    }
}
