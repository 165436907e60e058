import { offersApi } from '@opencvm/core';
import {
  type ApiContext,
  type ApiRouter,
  endpointRoute,
  pathParam,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { documentInput, documentOf, MAX_CAMPAIGN_BODY_BYTES } from './document-input.ts';

/** The offer routes; each validates its input and calls one use case. */
export const addOfferRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const { invalidField, objectBody } = documentInput(fail);
  const offerTarget = (c: ApiContext) => ({ type: 'offer', id: pathParam(c, 'id') });
  const offerBefore = async (c: ApiContext) => {
    const found = await app.campaigns.showOffer(pathParam(c, 'id'));
    return found.ok ? found.value : null;
  };

  router.route(
    endpointRoute(offersApi.list, {
      access: 'data.read',
      tag: 'Offers',
      summary: 'Offers',
      answer: 'A page of offers.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      return reply(c, offersApi.list, pageOf(await app.campaigns.listOffers(), page.value));
    },
  );

  router.route(
    endpointRoute(offersApi.create, {
      access: 'offers.write',
      tag: 'Offers',
      summary: 'Create an offer',
      answer: 'The saved offer.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      creates: true,
      audit: { action: 'offer.create', after: documentOf('offer') },
    }),
    async (c) => {
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      const saved = await app.campaigns.createOffer(input.value);
      return saved.ok ? reply(c, offersApi.create, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(offersApi.show, {
      access: 'data.read',
      tag: 'Offers',
      summary: 'An offer',
      answer: 'The offer.',
    }),
    async (c) => {
      const found = await app.campaigns.showOffer(pathParam(c, 'id'));
      return found.ok ? reply(c, offersApi.show, found.value) : refuse(found.error);
    },
  );

  router.route(
    endpointRoute(offersApi.update, {
      access: 'offers.write',
      tag: 'Offers',
      summary: 'Change an offer',
      answer: 'The saved offer.',
      maxBodyBytes: MAX_CAMPAIGN_BODY_BYTES,
      audit: { action: 'offer.update', target: offerTarget, before: offerBefore },
    }),
    async (c) => {
      const id = pathParam(c, 'id');
      const input = await objectBody(c);
      if (!input.ok) return input.error;
      if ('id' in input.value && input.value.id !== id)
        return invalidField('id', 'must be the id in the path, or left out');
      const saved = await app.campaigns.updateOffer({ ...input.value, id });
      return saved.ok ? reply(c, offersApi.update, saved.value) : refuse(saved.error);
    },
  );

  router.route(
    endpointRoute(offersApi.remove, {
      access: 'offers.write',
      tag: 'Offers',
      summary: 'Delete an offer no campaign names',
      answer: 'Deleted.',
      audit: { action: 'offer.delete', target: offerTarget, before: offerBefore, after: () => null },
    }),
    async (c) => {
      const removed = await app.campaigns.deleteOffer(pathParam(c, 'id'));
      return removed.ok ? c.body(null, 204) : refuse(removed.error);
    },
  );
};
