using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>Recognises the types and members GradGen understands, by symbol (never by the text the user typed).</summary>
internal static class Symbols
{
    public const string DifferentiableAttribute = "GradGen.DifferentiableAttribute";
    public const string NoGradientAttribute = "GradGen.NoGradientAttribute";

    public static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Classifies a type: float/double scalars, Tensor&lt;float|double&gt;, or passive (anything else).</summary>
    public static ValueType Classify(ITypeSymbol? type)
    {
        switch (type?.SpecialType)
        {
            case SpecialType.System_Single: return new ValueType(ValueKind.Scalar, ElementType.Float, "float");
            case SpecialType.System_Double: return new ValueType(ValueKind.Scalar, ElementType.Double, "double");
        }
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && IsTensorType(named))
        {
            switch (named.TypeArguments[0].SpecialType)
            {
                case SpecialType.System_Single: return new ValueType(ValueKind.Tensor, ElementType.Float, "global::System.Numerics.Tensors.Tensor<float>");
                case SpecialType.System_Double: return new ValueType(ValueKind.Tensor, ElementType.Double, "global::System.Numerics.Tensors.Tensor<double>");
            }
        }
        if (type is IArrayTypeSymbol { Rank: 1 } array && Classify(array.ElementType) is { Kind: ValueKind.Tensor or ValueKind.Container } element)
        {
            // An array of tensors (or of arrays of them): differentiable as a whole, its gradient an array of the same shapes.
            return new ValueType(ValueKind.Container, element.Element, type.ToDisplayString(Qualified));
        }
        return new ValueType(ValueKind.Passive, ElementType.Double, type?.ToDisplayString(Qualified) ?? "object");
    }

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

    public static bool HasAttribute(ISymbol symbol, string fullName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == fullName) return true;
        }
        return false;
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
