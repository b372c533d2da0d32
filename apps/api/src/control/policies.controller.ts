import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';
import {
  policyPreviewSchema,
  policyPreviewViewSchema,
  policyPutSchema,
  policyViewSchema,
  scopeQuerySchema,
  type PolicyPreviewBody,
  type PolicyPut,
  type ScopeQuery,
} from './control.dto';
import { PoliciesService } from './policies.service';

/**
 * Policies: a user's sensitivity (your own by default), a domain's policy (its admins), the global weights, group
 * caps, thresholds and greylisting (operators). Thresholds shipped: greylist 4, tag 6, reject 15.
 */
@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get()
  @ApiZodOperation({
    summary: "A scope's stored layer, its version and the effective (merged) policy; your own by default",
    query: scopeQuerySchema,
    response: policyViewSchema,
  })
  get(@CurrentPrincipal() p: Principal, @Query(new ZodPipe(scopeQuerySchema)) q: ScopeQuery) {
    return this.policies.get(p, q);
  }

  @Put()
  @ApiZodOperation({
    summary:
      "Replace a scope's layer (validated as a whole; 400 with every reason, 409 when the version changed)",
    description:
      'Users may set thresholds within the bounds their domain allows (effective.userBounds), greylisting.enabled and the tag headers, or pick a sensitivity preset. The change reaches every filter instance through spamfilter.model.v1.',
    query: scopeQuerySchema,
    body: policyPutSchema,
    response: policyViewSchema,
  })
  put(
    @CurrentPrincipal() p: Principal,
    @Query(new ZodPipe(scopeQuerySchema)) q: ScopeQuery,
    @Body(new ZodPipe(policyPutSchema)) body: PolicyPut,
  ) {
    return this.policies.put(p, q, body);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiZodOperation({
    summary: "How the scope's message log of the last days would have been decided under a proposed layer",
    description:
      'Counts per action as logged, under the current policy and under the proposal (replayed from the logged symbols), and examples of verdicts that change. Nothing is stored.',
    query: scopeQuerySchema,
    body: policyPreviewSchema,
    response: policyPreviewViewSchema,
  })
  preview(
    @CurrentPrincipal() p: Principal,
    @Query(new ZodPipe(scopeQuerySchema)) q: ScopeQuery,
    @Body(new ZodPipe(policyPreviewSchema)) body: PolicyPreviewBody,
  ) {
    return this.policies.preview(p, q, body);
  }
}
