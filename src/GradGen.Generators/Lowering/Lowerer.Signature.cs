using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradGen.Generators.Lowering;

/// <summary>Lower, the declaration: the containing types, the generated names and the signature.</summary>
internal sealed partial class Lowerer
{
    private void CheckContainingTypes(Location location)
    {
        for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
        {
            // C# 14 extension blocks (TypeKind.Extension, unknown to the Roslyn 4.8 API we compile against) and file-local
            // types cannot take generated members: a partial declaration in another file would be a different type.
            if (type.TypeKind.ToString() == "Extension" || type.IsFileLocal)
            {
                Reject(RejectionKind.UnsupportedSignature, location, type.IsFileLocal ? RejectionText.FileLocalType(type.Name) : RejectionText.ExtensionBlock);
                return;
            }
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(_cancellationToken) is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Reject(RejectionKind.TypeNotPartial, declaration.Identifier.GetLocation(), type.Name);
                }
            }
        }
    }

    private void CheckNames(Location location)
    {
        var type = _method.ContainingType;
        if (type is null) return;
        foreach (var suffix in Naming.GeneratedSuffixes)
        {
            foreach (var member in type.GetMembers(_method.Name + suffix))
            {
                if (!IsGeneratedByUs(member)) Reject(new Rejection(RejectionKind.NameClash, location, new[] { _method.Name + suffix }, member.Locations.FirstOrDefault()));
            }
        }
        foreach (var member in type.GetMembers(_method.Name))
        {
            if (member is IMethodSymbol other && !SymbolEqualityComparer.Default.Equals(other, _method) && Symbols.HasAttribute(other, Symbols.DifferentiableAttribute)
                && !SymbolEqualityComparer.Default.Equals(other, _method.PartialDefinitionPart) && !SymbolEqualityComparer.Default.Equals(other, _method.PartialImplementationPart))
            {
                Reject(RejectionKind.NameClash, location, RejectionText.OverloadClash(_method.Name));
                return;
            }
        }
    }

    private static bool IsGeneratedByUs(ISymbol member) =>
        member.DeclaringSyntaxReferences.Length > 0 &&
        member.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.Contains(Naming.GeneratorName));

    private void CheckSignature(MethodDeclarationSyntax syntax, Location location)
    {
        if (_method.IsAsync)
        {
            var asyncKeyword = syntax.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.AsyncKeyword));
            Reject(RejectionKind.UnsupportedConstruct, asyncKeyword.IsKind(SyntaxKind.AsyncKeyword) ? asyncKeyword.GetLocation() : location, RejectionText.AsyncMethod);
        }
        if (_method.IsGenericMethod)
        {
            // One cause, one diagnostic: a return type or parameters of type T (INumber<T>) are not differentiable because the
            // method is generic, which is what to fix.
            Reject(RejectionKind.UnsupportedSignature, syntax.TypeParameterList?.GetLocation() ?? location, RejectionText.GenericMethod);
            return;
        }
        if (Symbols.Classify(_method.ReturnType).Kind == ValueKind.Passive || _method.ReturnsByRef || _method.ReturnsByRefReadonly)
        {
            Reject(RejectionKind.UnsupportedSignature, syntax.ReturnType.GetLocation(), RejectionText.ReturnType(_method.ReturnType.ToDisplayString()));
        }
        var differentiable = 0;
        foreach (var parameter in _method.Parameters)
        {
            var parameterSyntax = parameter.Ordinal < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[parameter.Ordinal] : null;
            var parameterLocation = parameterSyntax?.GetLocation() ?? location;
            if (parameter.RefKind != RefKind.None)
            {
                var modifiers = parameterSyntax is null ? parameter.RefKind.ToString().ToLowerInvariant()
                    : string.Join(" ", parameterSyntax.Modifiers.Where(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword) || m.IsKind(SyntaxKind.ReadOnlyKeyword)).Select(m => m.Text));
                Reject(RejectionKind.UnsupportedSignature, parameterLocation, RejectionText.ByReferenceParameter(parameter.Name, modifiers));
            }
            else if (IsDifferentiable(parameter))
            {
                differentiable++;
            }
        }
        if (differentiable == 0 && SelfType(_method) is null && _method.Parameters.All(p => p.RefKind == RefKind.None))
        {
            Reject(RejectionKind.UnsupportedSignature, location, _method.Parameters.FirstOrDefault(p => RejectionText.IsStructOfWeights(p.Type)) is { } weights
                ? RejectionText.NoDifferentiableParameterStruct(weights.Type.Name)
                : RejectionText.NoDifferentiableParameter);
        }
    }

    /// <summary>
    /// The type of <c>this</c> when an instance method is differentiated with respect to its instance — its type is a weight
    /// type (a class or record holding tensors) — or null. A fact of the method's declaration alone, so a caller (in this
    /// assembly or another) knows whether the generated pullback takes ∂L/∂this.
    /// </summary>
    public static IrType? SelfType(IMethodSymbol method) =>
        !method.IsStatic && method.ContainingType is { } type && Symbols.Classify(type) is { Kind: ValueKind.Container } self ? self : null;

    /// <summary>True when the parameter gets a gradient: a float/double/tensor parameter not marked [NoGradient].</summary>
    public static bool IsDifferentiable(IParameterSymbol parameter) =>
        parameter.RefKind == RefKind.None && Symbols.Classify(parameter.Type).IsDifferentiable && !Symbols.HasAttribute(parameter, Symbols.NoGradientAttribute);
}
