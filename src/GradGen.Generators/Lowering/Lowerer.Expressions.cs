using System;
using System.Globalization;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>Lower, the expressions: each becomes a value id (or -1 after a rejection).</summary>
internal sealed partial class Lowerer
{
    private bool _tooDeep;

    /// <summary>Lowers an expression to a value id, or -1 after recording a rejection.</summary>
    private int Expression(IOperation operation, int depth)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (depth > MaxDepth && operation is not (IParameterReferenceOperation or ILocalReferenceOperation or ILiteralOperation))
        {
            if (_tooDeep) return -1; // one diagnostic for an over-deep expression, not one per branch
            _tooDeep = true;
            Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, RejectionText.ExpressionTooDeep(MaxDepth));
            return -1;
        }
        if (operation.ConstantValue is { HasValue: true, Value: { } constant } && Symbols.Classify(operation.Type).Kind == ValueKind.Scalar)
        {
            return Constant(constant, Symbols.Classify(operation.Type));
        }
        if (operation is IInvalidOperation || operation.Type is { TypeKind: TypeKind.Error })
        {
            Reject(RejectionKind.DoesNotCompile, operation.Syntax);
            return -1;
        }
        if (operation is not (IParameterReferenceOperation or ILocalReferenceOperation or IParenthesizedOperation) && TryPassive(operation, depth, out var passive))
        {
            return passive;
        }
        switch (operation)
        {
            case IParameterReferenceOperation parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, _method):
                return _locals.TryGetValue(parameter.Parameter, out var current) ? current : _parameters[parameter.Parameter.Ordinal];
            case ILocalReferenceOperation local:
                if (_locals.TryGetValue(local.Local, out var id)) return id;
                // Usually its assignment was rejected already: one diagnostic for one mistake.
                if (_rejections.Count == 0) Reject(RejectionKind.UnsupportedConstruct, local.Syntax, RejectionText.LocalWithoutValue(local.Local.Name));
                return -1;
            case IConversionOperation conversion:
                return Conversion(conversion, depth);
            case IBinaryOperation binary:
                return Binary(binary, depth);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus, OperatorMethod: null } plus:
                return Expression(plus.Operand, depth + 1);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus when minus.OperatorMethod is null || OpCatalog.IsTensorOperator(minus.OperatorMethod):
                return Append(OpKind.Negate, minus.Syntax, minus.Type, Expression(minus.Operand, depth + 1));
            case IInvocationOperation invocation:
                return Invocation(invocation, depth);
            case IParenthesizedOperation parenthesized:
                return Expression(parenthesized.Operand, depth);
            case IArrayElementReferenceOperation element:
                return ContainerElement(element, depth);
            case IArrayCreationOperation creation when Symbols.Classify(creation.Type).Kind == ValueKind.Container:
                return TensorArray(creation, depth);
            case IConditionalOperation { IsRef: false, WhenFalse: not null } conditional:
                return LowerConditionalExpression(conditional, depth);
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } when _self >= 0:
                return _self;
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } instanceReference:
                return NotAWeightObject(instanceReference);
            case IFieldReferenceOperation { Instance: { } instance } field:
                return WeightMember(operation, field.Field, instance, depth);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } list, Arguments.Length: 1 } indexer when Symbols.ListElement(list.Type) is not null:
                return ContainerElement(indexer, list, indexer.Arguments[0].Value, depth);
            case IPropertyReferenceOperation { Instance: { } instance, Property.IsIndexer: false } property:
                return WeightMember(operation, property.Property, instance, depth);
            default:
                Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, RejectionText.Describe(operation));
                return -1;
        }
    }

    private int Constant(object value, IrType type)
    {
        double number;
        try
        {
            number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return -1;
        }
        var text = double.IsNaN(number) ? (type.Element == ElementType.Float ? "float.NaN" : "double.NaN")
            : double.IsPositiveInfinity(number) ? (type.Element == ElementType.Float ? "float.PositiveInfinity" : "double.PositiveInfinity")
            : double.IsNegativeInfinity(number) ? (type.Element == ElementType.Float ? "float.NegativeInfinity" : "double.NegativeInfinity")
            : type.Element == ElementType.Float ? ((float)number).ToString("R", CultureInfo.InvariantCulture) + "f"
            : number.ToString("R", CultureInfo.InvariantCulture) + "d";
        return Add(new Builder { Op = OpKind.Constant, Type = type, Constant = text, Name = text });
    }

    private int Conversion(IConversionOperation conversion, int depth)
    {
        var target = Symbols.Classify(conversion.Type);
        var source = Symbols.Classify(conversion.Operand.Type);
        if (conversion.Conversion.IsIdentity || (target.Kind == source.Kind && target.Element == source.Element && target.Kind != ValueKind.Passive))
        {
            return Expression(conversion.Operand, depth + 1);
        }
        if (target.Kind == ValueKind.Scalar && conversion.Conversion.IsNumeric && conversion.OperatorMethod is null)
        {
            var operand = Expression(conversion.Operand, depth + 1);
            return Append(OpKind.Convert, conversion.Syntax, conversion.Type, operand);
        }
        if (source.IsDifferentiable && !target.IsDifferentiable)
        {
            Reject(RejectionKind.NonDifferentiableOperation, conversion.Syntax, RejectionText.LossyConversion(conversion.Syntax, conversion.Type));
            return -1;
        }
        Reject(RejectionKind.UnsupportedConstruct, conversion.Syntax, RejectionText.Conversion(conversion.Syntax));
        return -1;
    }

    private int Binary(IBinaryOperation binary, int depth)
    {
        var op = binary.OperatorMethod is { } method
            ? (Symbols.IsTensorStaticMember(method) ? OpCatalog.ForBinary(binary.OperatorKind, method.Name) : null)
            : OpCatalog.ForBinary(binary.OperatorKind, null);
        if (op is null)
        {
            RejectOperator(binary.Syntax, binary.OperatorKind, binary.LeftOperand, binary.RightOperand);
            return -1;
        }
        var left = Expression(binary.LeftOperand, depth + 1);
        var right = Expression(binary.RightOperand, depth + 1);
        return MarkOperator(Append(op.Value, binary.Syntax, binary.Type, left, right), binary.OperatorMethod);
    }

    /// <summary>Marks a tensor op the user wrote as System.Numerics.Tensors' operator (see <see cref="Instruction.TensorOperator"/>).</summary>
    private int MarkOperator(int id, IMethodSymbol? operatorMethod)
    {
        if (id >= 0 && operatorMethod is not null && Symbols.IsTensorStaticMember(operatorMethod)) _instructions[id].TensorOperator = true;
        return id;
    }

    private void RejectOperator(SyntaxNode syntax, BinaryOperatorKind kind, IOperation left, IOperation right)
    {
        var differentiableOperand = Symbols.Classify(left.Type).IsDifferentiable || Symbols.Classify(right.Type).IsDifferentiable;
        var isPiecewise = kind is BinaryOperatorKind.Remainder or BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals
            or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual;
        if (differentiableOperand && isPiecewise)
        {
            Reject(RejectionKind.NonDifferentiableOperation, syntax, RejectionText.PiecewiseOperator(kind == BinaryOperatorKind.Remainder, syntax));
        }
        else
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.Operator(syntax));
        }
    }

    private int Invocation(IInvocationOperation invocation, int depth)
    {
        var method = invocation.TargetMethod;
        if (OpCatalog.ForMethod(method) is { } op)
        {
            var operands = new int[invocation.Arguments.Length];
            for (var i = 0; i < operands.Length; i++) operands[i] = Expression(invocation.Arguments[i].Value, depth + 1);
            var id = Append(op, invocation.Syntax, invocation.Type, operands);
            if (id >= 0) _opCalls[id] = invocation;
            return id;
        }
        if (OpCatalog.IsPiecewiseConstant(method))
        {
            Reject(RejectionKind.NonDifferentiableOperation, invocation.Syntax, RejectionText.PiecewiseMethod(method));
            return -1;
        }
        if (Symbols.HasAttribute(method, Symbols.DifferentiableAttribute))
        {
            return Call(invocation, depth);
        }
        if (OpCatalog.IsOpsMember(method))
        {
            Reject(RejectionKind.UnsupportedConstruct, invocation.Syntax, RejectionText.NotAnOp(method));
            return -1;
        }
        if (RegisteredDerivative(method.OriginalDefinition) is { } pullback)
        {
            return CustomCall(invocation, method.OriginalDefinition, pullback, depth);
        }
        if (PassiveCall(invocation, depth, out var passive)) return passive;
        Reject(RejectionKind.NotDifferentiableCall, invocation.Syntax, method.ContainingType?.Name + "." + method.Name, RejectionText.NotDifferentiableCallWayOut(method, OpCatalog.OpsEquivalent(method)));
        return -1;
    }

    /// <summary>True when the callee's generated Forward, Pullback and Tape exist and this method may use them.</summary>
    private bool HasGeneratedMembers(IMethodSymbol callee)
    {
        var type = callee.ContainingType;
        var within = _method.ContainingType;
        bool Usable(string name) => type.GetMembers(name).Any(m => _compilation.IsSymbolAccessibleWithin(m, within));
        return Usable(callee.Name + Naming.ForwardSuffix) && Usable(callee.Name + Naming.PullbackSuffix) && type.GetTypeMembers(callee.Name + Naming.TapeSuffix).Any(t => _compilation.IsSymbolAccessibleWithin(t, within));
    }

    /// <summary>
    /// The type that would hide the callee's tape from this method's tape, or null. Every generated tape struct is declared
    /// <c>public</c> (its members are internal), so the tape of a private helper can be a field of a public method's tape;
    /// what can still hide it is a containing type of the callee that is private, protected or private protected. That
    /// type's tape is visible wherever this method's tape is only when this method is declared inside that type.
    /// </summary>
    private INamedTypeSymbol? HiddenTapeType(IMethodSymbol callee)
    {
        for (var type = callee.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.DeclaredAccessibility is not (Microsoft.CodeAnalysis.Accessibility.Private or Microsoft.CodeAnalysis.Accessibility.Protected or Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal)) continue;
            var inside = false;
            for (var own = _method.ContainingType; own is not null && !inside; own = own.ContainingType)
            {
                inside = SymbolEqualityComparer.Default.Equals(own.OriginalDefinition, type.OriginalDefinition);
            }
            if (!inside) return type;
        }
        return null;
    }

    /// <summary>
    /// True when the call is dispatched at run time and may reach another body than the one GradGen differentiates: a
    /// virtual, abstract or (unsealed) override method called through a receiver whose type can be derived from. The
    /// generated forward calls the callee's generated members, which are not virtual, so an override's body would never be
    /// differentiated (the value and the gradient of another function). <c>base.F(x)</c> is not dispatched.
    /// </summary>
    private static bool MayDispatchToOverride(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!invocation.IsVirtual || method.IsStatic) return false;
        if (!(method.IsVirtual || method.IsAbstract || method.IsOverride) || method.IsSealed) return false;
        var receiver = invocation.Instance?.Type ?? method.ContainingType;
        if (receiver is null || receiver.IsValueType) return false;
        // A sealed receiver type: the body reached is the last override on its way to the method's type.
        return !receiver.IsSealed || Symbols.OverrideReached(method, receiver) is not null;
    }

    /// <summary>The arguments of a call that chains to a backward (by value, no params array), lowered; null after a rejection.</summary>
    private int[]? CallArguments(IInvocationOperation invocation, int depth)
    {
        var operands = new int[invocation.Arguments.Length];
        for (var i = 0; i < operands.Length; i++)
        {
            var argument = invocation.Arguments[i];
            if (argument.ArgumentKind == ArgumentKind.ParamArray || argument.Parameter?.RefKind is not (null or RefKind.None))
            {
                Reject(RejectionKind.UnsupportedConstruct, argument.Syntax, RejectionText.ParamsOrByReferenceArgument);
                return null;
            }
            operands[i] = Expression(argument.Value, depth + 1);
        }
        return operands;
    }

    private int Call(IInvocationOperation invocation, int depth)
    {
        var callee = invocation.TargetMethod.OriginalDefinition;
        var syntax = invocation.Syntax;
        // A [Differentiable] method of another assembly (a model library, a NuGet package) chains through the members
        // GradGen generated there: they exist exactly when its own project accepted it.
        var external = callee.DeclaringSyntaxReferences.IsEmpty || callee.DeclaringSyntaxReferences.Any(r => !_compilation.ContainsSyntaxTree(r.SyntaxTree));
        if (external && !HasGeneratedMembers(callee))
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.CallAcrossAssemblies(callee.Name));
            return -1;
        }
        // A method of a weight type may be called on any weight object (`layer.Apply(h)`): the instance is its first operand.
        var self = SelfType(callee) is not null;
        if (callee.IsGenericMethod || !callee.IsStatic && !self && invocation.Instance is not IInstanceReferenceOperation)
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.UnchainableCall(callee.Name, callee.IsGenericMethod));
            return -1;
        }

        if (MayDispatchToOverride(invocation))
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.VirtualCall(callee.Name, invocation.TargetMethod.ContainingType.Name));
            return -1;
        }

        if (HiddenTapeType(callee) is { } hidden)
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.TapeNotAccessible(callee.Name, hidden.Name));
            return -1;
        }

        if (CallArguments(invocation, depth) is not { } operands) return -1;
        // A callee differentiated with respect to its instance: the instance is its first operand (see CallTarget.Self).
        var instance = self ? Expression(invocation.Instance!, depth + 1) : -1;
        if (self && instance < 0) return -1;
        // Whether the callee's own backward exists (it is accepted, and no recursion) is decided on the call graph in Lower.
        if (!external && !_calls.Any(c => c.Location == syntax.GetLocation())) _calls.Add((callee, syntax.GetLocation()));
        // `base.F(x)` calls the base type's F, not this type's override: so do its generated members (CallTarget.Base).
        var isBase = invocation.Instance is IInstanceReferenceOperation && invocation.Instance.Syntax is BaseExpressionSyntax;
        var receiver = callee.IsStatic ? callee.ContainingType.ToDisplayString(Symbols.Qualified) : isBase ? "base" : "this";
        var differentiable = callee.Parameters.Select(IsDifferentiable);
        var target = new CallTarget(
            receiver,
            callee.Name,
            (self ? differentiable.Prepend(true) : differentiable).ToEquatableArray(),
            callee.ContainingType.ToDisplayString(Symbols.Qualified) + "." + callee.Name + Naming.TapeSuffix,
            Self: self,
            Base: isBase);
        var call = Append(OpKind.Call, syntax, invocation.Type, self ? operands.Prepend(instance).ToArray() : operands, target);
        DeclareCallShapes(call, callee, self ? 1 : 0);
        return call;
    }
}
