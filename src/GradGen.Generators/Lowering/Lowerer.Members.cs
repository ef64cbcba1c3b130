using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the members of weight objects: <c>model.Layers</c>, <c>layer.W</c>. A tensor (or array, or nested weight
/// object) member is a <see cref="OpKind.Member"/> whose gradient is the same member of the gradient object; an integer
/// or boolean member is a passive value.
/// </summary>
internal sealed partial class Lowerer
{
    private readonly System.Collections.Generic.Dictionary<(int Owner, string Member, int Region), int> _memberReads = new();

    /// <summary><c>this</c> (an <see cref="OpKind.This"/>) when the method is differentiated with respect to its instance, or -1.</summary>
    private int _self = -1;

    private int WeightMember(IOperation operation, ISymbol member, IOperation instance, int depth)
    {
        var owner = Expression(instance, depth + 1);
        if (owner < 0) return -1;
        if (_instructions[owner].Type.Kind != ValueKind.Container)
        {
            Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, RejectionText.Describe(operation));
            return -1;
        }
        if (MutableOrComputed(member) is { } problem)
        {
            Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, RejectionText.UnsoundWeightMember(member.Name, member.ContainingType.Name, problem));
            return -1;
        }
        // A member read once per region: a weight object's members do not change while the forward pass runs.
        if (_memberReads.TryGetValue((owner, member.Name, _region), out var known)) return known;
        var type = Symbols.Classify(Symbols.MemberType(member));
        switch (type.Kind)
        {
            case ValueKind.Tensor:
            case ValueKind.Container:
                return _memberReads[(owner, member.Name, _region)] = Add(new Builder { Op = OpKind.Member, Operands = new[] { owner }, Type = type, Template = EscapeIdentifier(member.Name) });
            case ValueKind.Passive:
                return _memberReads[(owner, member.Name, _region)] = Add(new Builder { Op = OpKind.Passive, Operands = new[] { owner }, Type = type, Template = "{0}." + EscapeIdentifier(member.Name) });
            default:
                Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, RejectionText.ScalarWeightMember(member.Name, member.ContainingType.Name));
                return -1;
        }
    }

    /// <summary>
    /// Why reading a member of a weight object would be unsound, or null: a member the forward pass reads must be
    /// readonly (a readonly field, or a get/init auto-property), so the gradient object can mirror it.
    /// </summary>
    private static string? MutableOrComputed(ISymbol member)
    {
        switch (member)
        {
            case IFieldSymbol field:
                return field.IsReadOnly ? null : "a mutable field (make it readonly)";
            case IPropertySymbol property:
                if (property.SetMethod is { IsInitOnly: false }) return "a property with a setter (use { get; } or { get; init; })";
                foreach (var reference in property.DeclaringSyntaxReferences)
                {
                    // Positional record parameters are auto-properties; a declared property must have no accessor body.
                    if (reference.GetSyntax() is PropertyDeclarationSyntax declaration
                        && (declaration.ExpressionBody is not null || declaration.AccessorList is null || declaration.AccessorList.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null)))
                    {
                        return "a computed property (store the tensor in a { get; } auto-property, or compute it in the [Differentiable] method)";
                    }
                }
                return null;
            default:
                return "not a field or property";
        }
    }
}
