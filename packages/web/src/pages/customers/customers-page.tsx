import { Route, Routes } from 'react-router';
import { CustomerDetail } from './customer-detail.tsx';
import { CustomerSearch } from './customer-search.tsx';

/** `/customers`: search; `/customers/:id`: one customer's page. */
export const CustomersPage = () => (
  <Routes>
    <Route index element={<CustomerSearch />} />
    <Route path=":id" element={<CustomerDetail />} />
  </Routes>
);
