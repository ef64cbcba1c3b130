using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradGen.Generators.Lowering;

/// <summary>Lower, the function being built: its values, the locals bound to them, their names, and the finished model.</summary>
internal sealed partial class Lowerer
{
    private readonly List<Builder> _instructions = new();
    /// <summary>The current value of each local and parameter of the method (a reassignment binds a new one).</summary>
    private readonly Dictionary<ISymbol, int> _locals = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<string, int> _nameUses = new();
    private readonly HashSet<string> _reserved = new();
    private int[] _parameters = Array.Empty<int>();
    private int _result = -1;

    /// <summary>The loop whose body is being lowered (its id), or -1 for the method body.</summary>
    private int _region = -1;

    private sealed class Builder
    {
        public OpKind Op;
        public int[] Operands = Array.Empty<int>();
        public IrType Type;
        public string? Name;
        public string? Constant;
        public int ParameterIndex = -1;
        public CallTarget? Callee;
        public int Region = -1;
        public string? Template;
        public int Index = -1;
        public bool TensorOperator;
        public int Condition = -1;
        public int Exit = -1;

        /// <summary>A name to number rather than replace when it is taken (the merged results of early returns: result, result_1, …).</summary>
        public string? Numbered;
    }

    private int Append(OpKind op, SyntaxNode syntax, ITypeSymbol? resultType, params int[] operands) => Append(op, syntax, resultType, operands, null);

    /// <summary>Appends an instruction, or returns -1 (after a rejection when the rule table has no row for these operand kinds).</summary>
    private int Append(OpKind op, SyntaxNode syntax, ITypeSymbol? resultType, int[] operands, CallTarget? callee)
    {
        if (operands.Any(o => o < 0)) return -1;
        var type = Symbols.Classify(resultType);
        if (op != OpKind.Call)
        {
            var signature = new string(operands.Select(o => Rules.Letter(_instructions[o].Type.Kind)).ToArray());
            if (Rules.Find(op, signature) is null || type.Kind == ValueKind.Passive)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.OperandTypes(syntax));
                return -1;
            }
        }
        var id = Add(new Builder { Op = op, Operands = operands, Type = type, Callee = callee });
        _syntaxOf[id] = syntax;
        return id;
    }

    /// <summary>Adds an instruction to the region being lowered.</summary>
    private int Add(Builder builder)
    {
        builder.Region = _region;
        _instructions.Add(builder);
        return _instructions.Count - 1;
    }

    private void Bind(ISymbol local, int id)
    {
        if (id < 0) return;
        _locals[local] = id;
        var instruction = _instructions[id];
        if (instruction.Name is null && instruction.Op != OpKind.Constant)
        {
            var name = EscapeIdentifier(local.Name);
            _nameUses.TryGetValue(name, out var uses);
            _nameUses[name] = uses + 1;
            instruction.Name = uses == 0 ? name : name + "_" + uses.ToString(CultureInfo.InvariantCulture);
        }
    }

    private MethodModel? _model;

    /// <summary>The lowered method, built once (the check of dropped gradients builds it before the call graph asks for it).</summary>
    internal MethodModel BuildModel() => _model ??= Build();

    private MethodModel Build()
    {
        var names = new HashSet<string>(_instructions.Where(i => i.Name is not null && i.Op != OpKind.Constant).Select(i => i.Name!));
        names.UnionWith(_reserved);
        var temp = 0;
        string Fresh(string preferred)
        {
            var name = preferred;
            while (names.Contains(name)) name = "t" + (temp++).ToString(CultureInfo.InvariantCulture);
            names.Add(name);
            return name;
        }
        string Numbered(string preferred)
        {
            var name = preferred;
            for (var k = 1; names.Contains(name); k++) name = preferred + "_" + k.ToString(CultureInfo.InvariantCulture);
            names.Add(name);
            return name;
        }
        if (_instructions[_result].Name is null) _instructions[_result].Name = Fresh("result");
        foreach (var instruction in _instructions)
        {
            instruction.Name ??= instruction.Numbered is { } numbered ? Numbered(numbered) : Fresh(ReadableName(instruction, names) ?? "t" + temp.ToString(CultureInfo.InvariantCulture));
        }

        var instructions = _instructions.Select((b, i) => new Instruction(i, b.Op, b.Operands.ToEquatableArray(), b.Type, b.Name!, b.Constant, b.ParameterIndex, b.Callee, b.Region, b.Template, b.Index, b.TensorOperator, b.Condition, b.Exit));
        var parameters = _method.Parameters.Select(p => new ParameterModel(EscapeIdentifier(p.Name), Symbols.Classify(p.Type), IsDifferentiable(p)));
        var containing = new List<ContainingType>();
        for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
        {
            containing.Insert(0, new ContainingType(Keyword(type), type.ToDisplayString(DeclaredType)));
        }
        var ns = _method.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString(Declared) : null;
        return new MethodModel(_method.GetDocumentationCommentId() ?? _method.ToDisplayString(), ns, containing.ToEquatableArray(), _method.Name, Modifiers(), _method.IsStatic,
            parameters.ToEquatableArray(), Symbols.Classify(_method.ReturnType), instructions.ToEquatableArray(), _result, SelfType(_method), HidesInherited(),
            Planned: Symbols.NamedArgument(_method, Symbols.DifferentiableAttribute, "Plan") is not false);
    }

    /// <summary>True when a base type has members this method's generated ones hide: generated for a [Differentiable] method of the same name, or already there.</summary>
    private bool HidesInherited()
    {
        for (var type = _method.ContainingType.BaseType; type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers())
            {
                if (member.Name == _method.Name && member is IMethodSymbol && Symbols.HasAttribute(member, Symbols.DifferentiableAttribute)) return true;
                if (Naming.GeneratedSuffixes.Any(suffix => member.Name == _method.Name + suffix)) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A name for a read of a member or a length from what it reads: <c>layer.W</c> → <c>layerW</c>, <c>xs.Length</c> →
    /// <c>xsLength</c>; a member of <c>this</c> is named after the member: <c>W1</c> → <c>w1</c> (<c>selfW1</c> if that is taken).
    /// </summary>
    private string? ReadableName(Builder instruction, HashSet<string> taken)
    {
        if (instruction.Op is OpKind.Member or OpKind.Passive && instruction.Operands.Length == 1 && _instructions[instruction.Operands[0]].Op == OpKind.This
            && instruction.Template is { } read && (instruction.Op == OpKind.Member ? read : read.StartsWith("{0}.", StringComparison.Ordinal) ? read.Substring(4) : "").TrimStart('@') is { Length: > 0 } own
            && own.IndexOf('[') < 0 && SyntaxFacts.IsValidIdentifier(own))
        {
            var camel = char.ToLowerInvariant(own[0]) + own.Substring(1);
            return SyntaxFacts.GetKeywordKind(camel) == SyntaxKind.None && !taken.Contains(camel) ? camel : "self" + char.ToUpperInvariant(own[0]) + own.Substring(1);
        }
        var member = instruction.Op == OpKind.Member ? instruction.Template
            : instruction.Op == OpKind.Passive && instruction.Template is { } template && template.StartsWith("{0}.", StringComparison.Ordinal) && template.IndexOf('[') < 0 ? template.Substring(4)
            : null;
        if (member is null || instruction.Operands.Length == 0 || _instructions[instruction.Operands[0]].Name is not { } owner) return null;
        owner = owner.TrimStart('@');
        member = member.TrimStart('@');
        // Only a member that is a name (a passive call's template ends in "(…)": no readable name from it).
        return owner.Length == 0 || member.Length == 0 || char.IsDigit(owner[0]) || !SyntaxFacts.IsValidIdentifier(member) ? null : owner + char.ToUpperInvariant(member[0]) + member.Substring(1);
    }

    /// <summary>Names as they are declared again in the generated file: keywords escaped (<c>@class</c>), type parameters kept.</summary>
    private static readonly SymbolDisplayFormat Declared = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static readonly SymbolDisplayFormat DeclaredType = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    /// <summary>
    /// The modifiers the generated members are declared with: the method's accessibility, plus <c>unsafe</c> where the
    /// user's declarations are unsafe or the signature holds pointer or function-pointer types (the unsafe context of a
    /// partial type declaration does not extend to the generated part).
    /// </summary>
    /// <remarks>Carried in <see cref="MethodModel.Accessibility"/> until the model has a field for it.</remarks>
    private string Modifiers()
    {
        var accessibility = Accessibility(_method.DeclaredAccessibility);
        return IsUnsafe() ? accessibility + " unsafe" : accessibility;
    }

    private bool IsUnsafe()
    {
        if (HasPointer(_method.ReturnType) || _method.Parameters.Any(p => HasPointer(p.Type))) return true;
        if (_method.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_cancellationToken) is MemberDeclarationSyntax m && m.Modifiers.Any(SyntaxKind.UnsafeKeyword))) return true;
        for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_cancellationToken) is MemberDeclarationSyntax m && m.Modifiers.Any(SyntaxKind.UnsafeKeyword))) return true;
        }
        return false;
    }

    private static bool HasPointer(ITypeSymbol type)
    {
        var pending = new Stack<ITypeSymbol>();
        pending.Push(type);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    return true;
                case IArrayTypeSymbol array:
                    pending.Push(array.ElementType);
                    break;
                case INamedTypeSymbol named:
                    foreach (var argument in named.TypeArguments) pending.Push(argument);
                    if (named.ContainingType is { } outer) pending.Push(outer);
                    break;
            }
        }
        return false;
    }

    private static string Accessibility(Microsoft.CodeAnalysis.Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    private static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
