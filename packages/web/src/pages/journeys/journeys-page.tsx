import { Route, Routes } from 'react-router';
import { JourneyEditor } from './journey-editor.tsx';
import { JourneyList } from './journey-list.tsx';

/** The Journeys area: the list with the gallery, and each journey's canvas. */
export const JourneysPage = () => (
  <Routes>
    <Route index element={<JourneyList />} />
    <Route path=":id" element={<JourneyEditor />} />
  </Routes>
);
