using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the members of weight objects: <c>model.Layers</c>, <c>layer.W</c>. A tensor (or array, or nested weight
/// object, or float/double scalar) member is a <see cref="OpKind.Member"/> whose gradient is the same member of the
/// gradient object; an integer or boolean member, and any member marked <c>[NoGradient]</c>, is a passive value.
/// </summary>
internal sealed partial class Lowerer
{
    private readonly System.Collections.Generic.Dictionary<(int Owner, string Member, int Region), int> _memberReads = new();

    /// <summary><c>this</c> (an <see cref="OpKind.This"/>) when the method is differentiated with respect to its instance, or -1.</summary>
    private int _self = -1;

    /// <summary>
    /// A static property or field of a type that is not differentiated (<c>Random.Shared</c>, a static configuration
    /// object): a passive value read once, where the user reads it — nothing flows into it, so nothing needs differentiating.
    /// </summary>
    private int StaticMember(IOperation operation, ISymbol member) =>
        Add(new Builder { Op = OpKind.Passive, Type = Symbols.Classify(operation.Type), Template = member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + EscapeIdentifier(member.Name) });

    /// <summary>Rejects <c>this</c> in a method whose type is not a weight type (a struct, or a class holding no tensor): -1.</summary>
    private int NotAWeightObject(IInstanceReferenceOperation instance)
    {
        var type = _method.ContainingType;
        Reject(RejectionKind.UnsupportedConstruct, instance.Syntax, RejectionText.ThisNotAWeightObject(type.Name, type.TypeKind == TypeKind.Struct));
        return -1;
    }

    private int WeightMember(IOperation operation, ISymbol member, IOperation instance, int depth)
    {
        var owner = Expression(instance, depth + 1);
        if (owner < 0) return -1;
        if (_instructions[owner].Type.Kind != ValueKind.Container)
        {
            Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, RejectionText.Describe(operation));
            return -1;
        }
        var type = Symbols.Classify(Symbols.MemberType(member));
        if (Symbols.HasAttribute(member, Symbols.NoGradientAttribute))
        {
            // A constant of the weight object (a mask, a hyper-parameter): read as it is, like a [NoGradient] parameter.
            return _memberReads.TryGetValue((owner, member.Name, _region), out var constant) ? constant
                : _memberReads[(owner, member.Name, _region)] = Add(new Builder { Op = OpKind.Passive, Operands = new[] { owner }, Type = type, Template = "{0}." + EscapeIdentifier(member.Name) });
        }
        if ((type.Kind == ValueKind.Scalar ? NotWritable(member, instance.Type) : MutableOrComputed(member, instance.Type)) is { } problem)
        {
            Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, type.Kind == ValueKind.Scalar
                ? RejectionText.ScalarWeightMember(member.Name, member.ContainingType.Name, problem)
                : RejectionText.UnsoundWeightMember(member.Name, member.ContainingType.Name, problem));
            return -1;
        }
        // A member read once per region: a weight object's members do not change while the forward pass runs.
        if (_memberReads.TryGetValue((owner, member.Name, _region), out var known)) return known;
        // A tensor, array, nested weight object or float/double scalar (a learned leaf) is differentiable; int, bool, … are passive.
        var read = type.Kind == ValueKind.Passive
            ? Add(new Builder { Op = OpKind.Passive, Operands = new[] { owner }, Type = type, Template = "{0}." + EscapeIdentifier(member.Name) })
            : Add(new Builder { Op = OpKind.Member, Operands = new[] { owner }, Type = type, Template = EscapeIdentifier(member.Name) });
        DeclareShape(read, member);
        return _memberReads[(owner, member.Name, _region)] = read;
    }

    /// <summary>
    /// Why a float/double member of a weight object cannot be a learned leaf, or null. Unlike a tensor (a reference whose
    /// contents kernels and optimizers update in place) a scalar is a value: the pullback adds ∂L/∂member into the gradient
    /// object's member and an optimizer assigns the model's, so it must be a field that is not readonly, or an auto-property
    /// with a setter, that this method's type may write. (<c>GradGen.Parameters</c> treats exactly such members as leaves.)
    /// </summary>
    private string? NotWritable(ISymbol member, ITypeSymbol? receiver)
    {
        var within = _method.ContainingType;
        switch (member)
        {
            case IFieldSymbol field:
                return field.IsReadOnly ? "a readonly field"
                    : _compilation.IsSymbolAccessibleWithin(field, within) ? null : "a field '" + within.Name + "' cannot write";
            case IPropertySymbol property:
                if (property.SetMethod is null) return "a property without a setter";
                if (property.SetMethod.IsInitOnly) return "an init-only property (a positional record parameter is one)";
                if (ComputedSomewhere(property, receiver) is { } computed) return computed;
                return _compilation.IsSymbolAccessibleWithin(property.SetMethod, within) ? null : "a property whose setter '" + within.Name + "' cannot use";
            default:
                return "not a field or property";
        }
    }

    /// <summary>
    /// Why reading a member of a weight object would be unsound, or null: a member the forward pass reads must be
    /// readonly (a readonly field, or a get/init auto-property), so the gradient object can mirror it.
    /// </summary>
    private static string? MutableOrComputed(ISymbol member, ITypeSymbol? receiver)
    {
        switch (member)
        {
            case IFieldSymbol field:
                return field.IsReadOnly ? null : "a mutable field (make it readonly)";
            case IPropertySymbol property:
                if (property.SetMethod is { IsInitOnly: false }) return "a property with a setter (use { get; } or { get; init; })";
                return ComputedSomewhere(property, receiver) is { } computed ? computed + " (store the tensor in a { get; } auto-property, or compute it in the [Differentiable] method)" : null;
            default:
                return "not a field or property";
        }
    }

    /// <summary>
    /// Why a property read may not return a stored value, or null. A read is a stored weight only if <em>every</em> body it
    /// can reach at run time is an auto-property: not an abstract or virtual property (an override, perhaps in another
    /// assembly, may compute it) unless the receiver's type is sealed and no override lies between it and the property,
    /// and not a partial property (its implementing part, which C# requires to have bodies, computes it).
    /// </summary>
    private static string? ComputedSomewhere(IPropertySymbol property, ITypeSymbol? receiver)
    {
        if (IsComputed(property)) return "a computed property";
        if (IsPartial(property)) return "a partial property (its implementing part computes it)";
        if (!(property.IsAbstract || property.IsVirtual || property.IsOverride) || property.IsSealed) return null;
        if (receiver is null || receiver.IsValueType || !receiver.IsSealed) return property.IsAbstract
            ? "an abstract property (an implementation in a derived type may compute it)"
            : "a virtual property (an override in a derived type may compute it; seal it or the type)";
        // A sealed receiver: the body reached is the last override between its type and the property's.
        return Symbols.OverrideReached(property, receiver) is IPropertySymbol reached ? ComputedSomewhere(reached, receiver)
            : property.IsAbstract ? "an abstract property" : null;
    }

    /// <summary>True for a property declared with accessor bodies (positional record parameters are auto-properties).</summary>
    private static bool IsComputed(IPropertySymbol property) => property.DeclaringSyntaxReferences.Any(reference =>
        reference.GetSyntax() is PropertyDeclarationSyntax declaration
        && (declaration.ExpressionBody is not null || declaration.AccessorList is null || declaration.AccessorList.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null)));

    /// <summary>
    /// True for a C# 13 partial property: its symbol is the defining part (<c>{ get; }</c>, an auto-property look-alike), and
    /// Roslyn 4.8 has no API for the implementing part, which must have accessor bodies.
    /// </summary>
    private static bool IsPartial(IPropertySymbol property) => property.DeclaringSyntaxReferences.Any(reference =>
        reference.GetSyntax() is PropertyDeclarationSyntax declaration && declaration.Modifiers.Any(m => m.ValueText == "partial"));
}
