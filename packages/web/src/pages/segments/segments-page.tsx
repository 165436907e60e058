import { Route, Routes, useParams } from 'react-router';
import { SegmentEditor } from './segment-editor.tsx';
import { SegmentList } from './segment-list.tsx';

const SavedSegmentPage = () => {
  const { id = '' } = useParams();
  return <SegmentEditor id={id} />;
};

/** Segments: the list (`/segments`), a new one (`/segments/new`) and one saved (`/segments/:id`). */
export const SegmentsPage = () => (
  <Routes>
    <Route index element={<SegmentList />} />
    <Route path="new" element={<SegmentEditor id={null} />} />
    <Route path=":id" element={<SavedSegmentPage />} />
  </Routes>
);
